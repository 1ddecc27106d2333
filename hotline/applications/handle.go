package applications

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/queries"
)

// ConsultationDays is the time a third party has to give its opinion
// (第三十二条: 15 working days from receiving the request).
const ConsultationDays = 15

// prepare reads the application with code for a handling action by a,
// opens its personal data and checks that it is in state want. Only the
// handling department's liaisons handle; the queries store checks that
// again under the lock.
func (s *Store) prepare(ctx context.Context, a queries.Actor, code, want, action string) (row, personal, error) {
	r, err := s.load(ctx, s.db, code, false)
	if err != nil {
		return r, personal{}, err
	}
	if !handles(a, r) {
		return r, personal{}, forbidden("申请 %s 由%s办理，只有该部门的信息联络员可以%s", r.Code, r.Department, action)
	}
	if err := checkState(r, want, action); err != nil {
		return r, personal{}, err
	}
	p, err := s.open(r)
	return r, p, err
}

// checkState checks that r is in state want ("": any but decided).
func checkState(r row, want, action string) error {
	if r.State == want || (want == "" && r.State != "decided") {
		return nil
	}
	switch r.State {
	case "correction":
		return conflict("申请正在等待申请人补正，不能%s", action)
	case "consulting":
		return conflict("申请正在征求第三方意见，请先登记第三方意见，再%s", action)
	case "decided":
		return conflict("申请已经答复，不能%s", action)
	}
	return conflict("申请正在办理，没有等待补正或征求意见，不能%s", action)
}

// lockState re-reads the application under the query's transaction,
// locked, and checks its state again.
func (s *Store) lockState(ctx context.Context, tx *sqlx.Tx, code, want, action string) (row, error) {
	r, err := s.load(ctx, tx, code, true)
	if err != nil {
		return r, err
	}
	return r, checkState(r, want, action)
}

func (s *Store) setState(ctx context.Context, tx *sqlx.Tx, r row, state string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE applications SET state = $2 WHERE query_id = $1`, r.QueryID, state); err != nil {
		return fmt.Errorf("applications: state of %s: %w", r.Code, err)
	}
	return nil
}

// required trims a text and checks it is there and not too long.
func required(field, s string, most int, missing string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fieldErr(field, "%s", missing)
	}
	if utf8.RuneCountInString(s) > most {
		return "", fieldErr(field, "不能超过%d个字", most)
	}
	return s, nil
}

func optional(field, s string, most int) (string, error) {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > most {
		return "", fieldErr(field, "不能超过%d个字", most)
	}
	return s, nil
}

// RequestCorrection asks the applicant to correct or complete the
// application (补正, 第二十九、三十条): missing says what to supply, and is
// shown on the public status page with the applicant's personal data
// masked. The clock stops until Corrected. Only a liaison of the handling
// department may. It fails with a *queries.FieldError without missing,
// queries.ErrForbidden and queries.ErrConflict when the application is not
// simply being handled.
func (s *Store) RequestCorrection(ctx context.Context, a queries.Actor, code, missing string) error {
	missing, err := required("missing", missing, MaxNote, "请写明需要申请人补正的内容，如：所需信息的文号或时间范围")
	if err != nil {
		return err
	}
	_, p, err := s.prepare(ctx, a, code, "received", "告知补正")
	if err != nil {
		return err
	}
	missing = p.redact(missing)
	public := "需要申请人补正申请，答复期限暂停计算。需补正的内容：" + missing
	return s.q.PauseApplication(ctx, a, code, "补正："+missing, public, func(ctx context.Context, tx *sqlx.Tx, ref queries.Ref) error {
		r, err := s.lockState(ctx, tx, code, "received", "告知补正")
		if err != nil {
			return err
		}
		const q = `INSERT INTO application_corrections (query_id, missing, requested_on, requested_at, requested_by)
			VALUES ($1, $2, $3, $4, NULLIF($5, 0))`
		if _, err := tx.ExecContext(ctx, q, r.QueryID, missing, calendar.DateOf(ref.Now), ref.Now, a.AccountID); err != nil {
			return fmt.Errorf("applications: correction of %s: %w", r.Code, err)
		}
		return s.setState(ctx, tx, r, "correction")
	})
}

// Correction is the applicant's correction as staff record it.
type Correction struct {
	// ReceivedOn is the day it was received (YYYY-MM-DD); empty: today.
	ReceivedOn string `json:"received_on"`
	Note       string `json:"note"`
}

// Corrected records that the applicant's correction was received: the 20
// working days start again in full from that day (第三十条). It fails with
// a *queries.FieldError for a day before the request or after today, and
// as RequestCorrection does when no correction is awaited.
func (s *Store) Corrected(ctx context.Context, a queries.Actor, code string, in Correction) error {
	note, err := optional("note", in.Note, MaxNote)
	if err != nil {
		return err
	}
	var from time.Time
	if d := strings.TrimSpace(in.ReceivedOn); d != "" {
		day, err := calendar.ParseDate(d)
		if err != nil {
			return fieldErr("received_on", "收到补正材料的日期应写作 YYYY-MM-DD")
		}
		if day != calendar.DateOf(s.now()) {
			from = day.At(0)
		}
	}
	_, p, err := s.prepare(ctx, a, code, "correction", "登记补正")
	if err != nil {
		return err
	}
	note = p.redact(note)
	return s.q.RestartApplication(ctx, a, code, from, note, func(ctx context.Context, tx *sqlx.Tx, ref queries.Ref) error {
		r, err := s.lockState(ctx, tx, code, "correction", "登记补正")
		if err != nil {
			return err
		}
		on := calendar.DateOf(ref.Now)
		if !from.IsZero() {
			on = calendar.DateOf(from)
		}
		const q = `UPDATE application_corrections SET received_on = $2, received_by = NULLIF($3, 0), note = $4, due_date = $5
			WHERE query_id = $1 AND received_on IS NULL`
		if _, err := tx.ExecContext(ctx, q, r.QueryID, on, a.AccountID, note, ref.Due.Date); err != nil {
			return fmt.Errorf("applications: corrected %s: %w", r.Code, err)
		}
		return s.setState(ctx, tx, r, "received")
	})
}

// Consultation is a third party asked for its opinion (第三十二条).
type Consultation struct {
	// ThirdParty names the person or organisation asked; staff only.
	ThirdParty string `json:"third_party"`
	Note       string `json:"note"`
}

// StartConsultation records that a third party is asked for its opinion
// on disclosing information that may harm its lawful rights: the clock
// stops (the time is not counted), and the third party has 15 working
// days to answer. The third party is sealed and never shown in public.
func (s *Store) StartConsultation(ctx context.Context, a queries.Actor, code string, in Consultation) error {
	third, err := required("third_party", in.ThirdParty, MaxName, "请填写被征求意见的第三方名称或姓名")
	if err != nil {
		return err
	}
	note, err := optional("note", in.Note, MaxNote)
	if err != nil {
		return err
	}
	_, p, err := s.prepare(ctx, a, code, "received", "征求第三方意见")
	if err != nil {
		return err
	}
	note = p.redact(note)
	const public = "申请公开的信息可能损害第三方合法权益，正在征求第三方意见，征求意见所需时间不计算在答复期限内"
	return s.q.PauseApplication(ctx, a, code, "征求第三方意见（第三十二条）", public, func(ctx context.Context, tx *sqlx.Tx, ref queries.Ref) error {
		r, err := s.lockState(ctx, tx, code, "received", "征求第三方意见")
		if err != nil {
			return err
		}
		today := calendar.DateOf(ref.Now)
		const q = `INSERT INTO application_consultations (query_id, third_party_enc, asked_on, asked_at, due_on, asked_by, note)
			VALUES ($1, $2, $3, $4, $5, NULLIF($6, 0), $7)`
		_, err = tx.ExecContext(ctx, q, r.QueryID, s.keys.Seal([]byte(third), thirdPartyAAD(r.QueryID)), today, ref.Now,
			ref.Calendar.AddWorkingDays(today, ConsultationDays), a.AccountID, note)
		if err != nil {
			return fmt.Errorf("applications: consultation of %s: %w", r.Code, err)
		}
		return s.setState(ctx, tx, r, "consulting")
	})
}

// ConsultationEnd is the third party's answer: agree, object or none
// (no opinion in time).
type ConsultationEnd struct {
	Opinion string `json:"opinion"`
	Note    string `json:"note"`
}

// EndConsultation records the third party's opinion (or its silence) and
// resumes the clock without the working days the consultation took.
func (s *Store) EndConsultation(ctx context.Context, a queries.Actor, code string, in ConsultationEnd) error {
	if !known(Opinions, in.Opinion) {
		return fieldErr("opinion", "请选择第三方的意见：同意公开、不同意公开或逾期未提出意见")
	}
	note, err := optional("note", in.Note, MaxNote)
	if err != nil {
		return err
	}
	_, p, err := s.prepare(ctx, a, code, "consulting", "登记第三方意见")
	if err != nil {
		return err
	}
	note = p.redact(note)
	const public = "第三方意见征求完毕，恢复计算答复期限，答复期限至%s"
	return s.q.ResumeApplication(ctx, a, code, note, public, func(ctx context.Context, tx *sqlx.Tx, ref queries.Ref) error {
		r, err := s.lockState(ctx, tx, code, "consulting", "登记第三方意见")
		if err != nil {
			return err
		}
		const q = `UPDATE application_consultations SET ended_on = $2, opinion = $3, note = CASE WHEN $4 = '' THEN note ELSE $4 END,
				ended_by = NULLIF($5, 0)
			WHERE query_id = $1 AND ended_on IS NULL`
		if _, err := tx.ExecContext(ctx, q, r.QueryID, calendar.DateOf(ref.Now), in.Opinion, note, a.AccountID); err != nil {
			return fmt.Errorf("applications: end consultation of %s: %w", r.Code, err)
		}
		return s.setState(ctx, tx, r, "received")
	})
}

// RequestExtension asks for the 20 more working days the 条例 allows
// (第三十三条: 40 in all), with the approval of the head of the
// department's disclosure work: a reviewer of the department or an admin
// decides it through queries.Store.Decide, and the applicant sees the new
// deadline on the status page.
func (s *Store) RequestExtension(ctx context.Context, a queries.Actor, code, reason string) error {
	reason, err := required("reason", reason, MaxNote, "请说明需要延长答复期限的理由")
	if err != nil {
		return err
	}
	r, p, err := s.prepare(ctx, a, code, "", "申请延期")
	if err != nil {
		return err
	}
	var days int
	err = s.db.GetContext(ctx, &days, `SELECT days FROM query_clocks WHERE query_id = $1 AND complaint_id IS NULL AND closed_at IS NULL`, r.QueryID)
	if err == nil && days >= calendar.ApplicationExtended.Days() {
		return conflict("答复期限已经延长过：依照第三十三条，延长的期限最长不得超过20个工作日")
	}
	return s.q.RequestExtension(ctx, a, code, calendar.ApplicationExtended.Days(), p.redact(reason))
}
