package quality

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lib/pq"

	"github.com/govhall/govhall/hotline/calendar"
)

// Rules of a sample.
const (
	RuleRandom          = "random"           // a random sample of each operator's calls
	RuleLowRating       = "low_rating"       // the caller rated 1 or 2
	RuleLongWait        = "long_wait"        // waited longer than LongWait in the queue
	RuleTransferRefused = "transfer_refused" // a transfer the department refused or did not answer
	RuleComplaint       = "complaint"        // the query of the call drew a complaint (投诉)
	RuleManual          = "manual"           // opened by hand
	RuleAppeal          = "appeal"           // the new score of an upheld appeal
)

// Rules lists the rules a sample may use, for forms.
var Rules = []string{RuleRandom, RuleLowRating, RuleLongWait, RuleTransferRefused, RuleComplaint}

// LongWait is the wait in the queue RuleLongWait picks.
const LongWait = 60 * time.Second

// Statuses of a review.
const (
	StatusDraft = "draft"
	StatusFinal = "final"
)

// Review is one operator's part of one call, scored on a form version.
type Review struct {
	ID            int64          `db:"id" json:"id"`
	CallID        int64          `db:"call_id" json:"call_id"`
	OperatorID    int64          `db:"operator_id" json:"operator_id"`
	Operator      string         `db:"operator" json:"operator"`
	OperatorName  string         `db:"operator_name" json:"operator_name"`
	FormVersionID int64          `db:"form_version_id" json:"form_version_id"`
	FormName      string         `db:"form_name" json:"form_name"`
	FormVersion   int            `db:"form_version" json:"form_version"`
	Items         []Item         `db:"-" json:"items"`
	Sample        string         `db:"sample" json:"sample"`
	Status        string         `db:"status" json:"status"`
	Scores        map[string]any `db:"-" json:"scores"`
	Total         *float64       `db:"total" json:"total"`
	Fatal         bool           `db:"fatal" json:"fatal"`
	Comment       string         `db:"comment" json:"comment"`
	CreatedAt     time.Time      `db:"created_at" json:"created_at"`
	Reviewer      string         `db:"reviewer" json:"reviewer,omitempty"`
	FinalizedAt   *time.Time     `db:"finalized_at" json:"finalized_at"`
	SupersedesID  *int64         `db:"supersedes_id" json:"supersedes_id,omitempty"`
	SupersededBy  *int64         `db:"superseded_by" json:"superseded_by,omitempty"`

	CallStartedAt time.Time `db:"call_started_at" json:"call_started_at"`
	Caller        string    `db:"caller" json:"caller"`
	Satisfaction  *int      `db:"satisfaction" json:"satisfaction"`
	WaitedS       *float64  `db:"waited_s" json:"waited_s"`
	DurationS     float64   `db:"duration_s" json:"duration_s"`
	Recorded      bool      `db:"recorded" json:"recorded"`

	Appeal         *Appeal         `db:"-" json:"appeal,omitempty"`
	AppealDeadline *calendar.Date  `db:"-" json:"appeal_deadline,omitempty"` // the last working day to appeal a final original
	CanAppeal      bool            `db:"-" json:"can_appeal"`
	History        []HistoryReview `db:"-" json:"history,omitempty"`

	RawItems  []byte `db:"items" json:"-"`
	RawScores []byte `db:"scores" json:"-"`
}

// TotalText is the total with one decimal, "—" before it is final (for
// pages).
func (r Review) TotalText() string { return totalText(r.Total) }

// WaitText is how long the caller waited for the operator, "—" unknown.
func (r Review) WaitText() string {
	if r.WaitedS == nil {
		return "—"
	}
	return fmt.Sprintf("%.0f 秒", *r.WaitedS)
}

func totalText(t *float64) string {
	if t == nil {
		return "—"
	}
	return fmt.Sprintf("%.1f", *t)
}

// HistoryReview is an earlier or later score of the same call and operator.
type HistoryReview struct {
	ID          int64      `json:"id"`
	Total       *float64   `json:"total"`
	Fatal       bool       `json:"fatal"`
	Sample      string     `json:"sample"`
	Reviewer    string     `json:"reviewer"`
	FinalizedAt *time.Time `json:"finalized_at"`
}

// TotalText is the total with one decimal, "—" before it is final.
func (h HistoryReview) TotalText() string { return totalText(h.Total) }

// Appeal is an operator's appeal against a final score.
type Appeal struct {
	ID           int64      `db:"id" json:"id"`
	ReviewID     int64      `db:"review_id" json:"review_id"`
	Operator     string     `db:"operator" json:"operator"`
	Reason       string     `db:"reason" json:"reason"`
	FiledAt      time.Time  `db:"filed_at" json:"filed_at"`
	Status       string     `db:"status" json:"status"` // pending, upheld, rejected
	DecidedBy    string     `db:"decided_by" json:"decided_by,omitempty"`
	DecidedAt    *time.Time `db:"decided_at" json:"decided_at,omitempty"`
	DecisionNote string     `db:"decision_note" json:"decision_note,omitempty"`
	RevisionID   *int64     `db:"revision_id" json:"revision_id,omitempty"`
}

// reviewCols reads a review with its form version and call.
const reviewCols = `r.id, r.call_id, r.operator_id, o.username AS operator, o.display_name AS operator_name, r.form_version_id,
	f.name AS form_name, v.version AS form_version, v.items, r.sample, r.status, r.scores, r.total::float8 AS total, r.fatal, r.comment,
	r.created_at, COALESCE(w.username, '') AS reviewer, r.finalized_at, r.supersedes_id,
	(SELECT n.id FROM qa_reviews n WHERE n.supersedes_id = r.id) AS superseded_by,
	c.started_at AS call_started_at, c.caller, c.satisfaction,
	EXTRACT(EPOCH FROM (SELECT min(l.answered_at) FROM call_legs l WHERE l.call_id = c.id AND l.party = 'operator' AND l.answered_at IS NOT NULL) - c.queued_at)::float8 AS waited_s,
	EXTRACT(EPOCH FROM COALESCE(c.ended_at, now()) - c.started_at)::float8 AS duration_s,
	c.recording_sha256 <> '' AS recorded
	FROM qa_reviews r JOIN accounts o ON o.id = r.operator_id JOIN qa_form_versions v ON v.id = r.form_version_id
	JOIN qa_forms f ON f.id = v.form_id JOIN calls c ON c.id = r.call_id LEFT JOIN accounts w ON w.id = r.reviewer_id`

func (r *Review) decode() error {
	if err := json.Unmarshal(r.RawItems, &r.Items); err != nil {
		return fmt.Errorf("quality: items of review %d: %w", r.ID, err)
	}
	r.Scores = map[string]any{}
	if len(r.RawScores) > 0 {
		if err := json.Unmarshal(r.RawScores, &r.Scores); err != nil {
			return fmt.Errorf("quality: scores of review %d: %w", r.ID, err)
		}
	}
	return nil
}

// SampleRequest picks calls for review: those of [From, To) answered by
// an operator and recorded, not reviewed yet for that operator, by Rule;
// at most PerOperator of each operator's calls. The drafts are scored on
// the latest version of form FormID.
type SampleRequest struct {
	From, To    time.Time
	Rule        string
	PerOperator int
	FormID      int64
	OperatorID  int64 // 0: every operator
}

// Sample makes draft reviews of the calls picked and returns how many.
func (s *Store) Sample(ctx context.Context, a Actor, in SampleRequest) (int, error) {
	if in.PerOperator < 1 || in.PerOperator > 50 {
		return 0, fieldErr("per_operator", "每位话务员抽 1 到 50 通")
	}
	if !in.To.After(in.From) {
		return 0, fieldErr("to", "结束日期要晚于开始日期")
	}
	var rule string
	switch in.Rule {
	case RuleRandom:
	case RuleLowRating:
		rule = `AND c.satisfaction <= 2`
	case RuleLongWait:
		rule = fmt.Sprintf(`AND l.answered_at - c.queued_at > interval '%d seconds'`, int(LongWait.Seconds()))
	case RuleTransferRefused:
		rule = `AND EXISTS (SELECT 1 FROM call_transfers t WHERE t.call_id = c.id AND t.result IN ('refused', 'no_answer', 'timeout', 'no_liaison'))`
	case RuleComplaint:
		rule = `AND EXISTS (SELECT 1 FROM queries q JOIN query_complaints k ON k.query_id = q.id
			WHERE (q.code = c.query_code AND c.query_code <> '') OR (q.sip_call_id = c.sip_call_id AND q.sip_call_id <> ''))`
	default:
		return 0, fieldErr("rule", "请选择抽样规则")
	}
	form, err := s.Form(ctx, in.FormID)
	if err != nil {
		return 0, err
	}
	if form.Retired {
		return 0, fieldErr("form_id", "这个评分表已停用")
	}
	order := `c.started_at DESC`
	if in.Rule == RuleRandom {
		order = `random()`
	}
	q := `WITH picked AS (
			SELECT DISTINCT ON (c.id, l.account_id) c.id AS call_id, l.id AS leg_id, l.account_id, c.started_at
			FROM calls c JOIN call_legs l ON l.call_id = c.id AND l.party = 'operator' AND l.answered_at IS NOT NULL AND l.account_id IS NOT NULL
			WHERE c.direction = 'inbound' AND c.started_at >= $1 AND c.started_at < $2 AND c.ended_at IS NOT NULL AND c.recording_sha256 <> ''
				AND ($5 = 0 OR l.account_id = $5) ` + rule + `
				AND NOT EXISTS (SELECT 1 FROM qa_reviews x WHERE x.call_id = c.id AND x.operator_id = l.account_id)
			ORDER BY c.id, l.account_id, l.answered_at),
		ranked AS (SELECT p.*, row_number() OVER (PARTITION BY p.account_id ORDER BY ` + strings.ReplaceAll(order, "c.", "p.") + `) AS n FROM picked p)
		INSERT INTO qa_reviews (call_id, leg_id, operator_id, form_version_id, sample, created_by)
		SELECT call_id, leg_id, account_id, $3, $6, $4 FROM ranked WHERE n <= $7
		ON CONFLICT (call_id, operator_id) WHERE supersedes_id IS NULL DO NOTHING`
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("quality: sample: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, q, in.From, in.To, form.VersionID, a.AccountID, in.OperatorID, in.Rule, in.PerOperator)
	if err != nil {
		return 0, fmt.Errorf("quality: sample: %w", err)
	}
	n, _ := res.RowsAffected()
	detail := map[string]any{"rule": in.Rule, "from": in.From, "to": in.To, "per_operator": in.PerOperator, "form_version_id": form.VersionID, "created": n}
	if err := audit(ctx, tx, a, "quality.sample", 0, detail); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("quality: sample: %w", err)
	}
	return int(n), nil
}

// Open makes a draft review of one call for the operator who answered it
// (operatorID 0: the first operator who did), on form formID, or returns
// the review that exists.
func (s *Store) Open(ctx context.Context, a Actor, callID, operatorID, formID int64) (Review, error) {
	form, err := s.Form(ctx, formID)
	if err != nil {
		return Review{}, err
	}
	var leg struct {
		ID      int64 `db:"id"`
		Account int64 `db:"account_id"`
	}
	err = s.db.GetContext(ctx, &leg, `SELECT l.id, l.account_id FROM call_legs l WHERE l.call_id = $1 AND l.party = 'operator'
		AND l.answered_at IS NOT NULL AND l.account_id IS NOT NULL AND ($2 = 0 OR l.account_id = $2) ORDER BY l.answered_at LIMIT 1`, callID, operatorID)
	if errors.Is(err, sql.ErrNoRows) {
		return Review{}, wrap(ErrNotFound, "这通电话没有话务员接听")
	}
	if err != nil {
		return Review{}, fmt.Errorf("quality: open review: %w", err)
	}
	var id int64
	err = s.db.GetContext(ctx, &id, `INSERT INTO qa_reviews (call_id, leg_id, operator_id, form_version_id, sample, created_by)
		VALUES ($1, $2, $3, $4, 'manual', $5) ON CONFLICT (call_id, operator_id) WHERE supersedes_id IS NULL DO NOTHING RETURNING id`,
		callID, leg.ID, leg.Account, form.VersionID, a.AccountID)
	if errors.Is(err, sql.ErrNoRows) {
		err = s.db.GetContext(ctx, &id, `SELECT id FROM qa_reviews WHERE call_id = $1 AND operator_id = $2 AND supersedes_id IS NULL`, callID, leg.Account)
	}
	if err != nil {
		return Review{}, fmt.Errorf("quality: open review: %w", err)
	}
	return s.Review(ctx, id)
}

// ReviewFilter selects reviews.
type ReviewFilter struct {
	Status     string // draft, final, or "" for both
	OperatorID int64
	Limit      int
}

// Reviews returns reviews, drafts oldest first, finals newest first.
func (s *Store) Reviews(ctx context.Context, f ReviewFilter) ([]Review, error) {
	q := `SELECT ` + reviewCols + ` WHERE ($1 = '' OR r.status = $1) AND ($2 = 0 OR r.operator_id = $2)
		ORDER BY r.status = 'final', CASE WHEN r.status = 'draft' THEN r.created_at END, r.finalized_at DESC, r.id DESC LIMIT $3`
	var rs []Review
	if err := s.db.SelectContext(ctx, &rs, q, f.Status, f.OperatorID, min(max(f.Limit, 1), 500)); err != nil {
		return nil, fmt.Errorf("quality: reviews: %w", err)
	}
	for i := range rs {
		if err := rs[i].decode(); err != nil {
			return nil, err
		}
	}
	if err := s.appeals(ctx, rs); err != nil {
		return nil, err
	}
	return orEmpty(rs), nil
}

func orEmpty[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

// Review returns one review with its appeal and its history (the scores
// it superseded or that supersede it).
func (s *Store) Review(ctx context.Context, id int64) (Review, error) {
	var r Review
	err := s.db.GetContext(ctx, &r, `SELECT `+reviewCols+` WHERE r.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return r, wrap(ErrNotFound, "没有这条质检记录")
	}
	if err != nil {
		return r, fmt.Errorf("quality: review %d: %w", id, err)
	}
	if err := r.decode(); err != nil {
		return r, err
	}
	rs := []Review{r}
	if err := s.appeals(ctx, rs); err != nil {
		return r, err
	}
	r = rs[0]
	var hist []struct {
		ID          int64      `db:"id"`
		Total       *float64   `db:"total"`
		Fatal       bool       `db:"fatal"`
		Sample      string     `db:"sample"`
		Reviewer    string     `db:"reviewer"`
		FinalizedAt *time.Time `db:"finalized_at"`
	}
	const hq = `SELECT h.id, h.total::float8 AS total, h.fatal, h.sample, COALESCE(w.username, '') AS reviewer, h.finalized_at
		FROM qa_reviews h LEFT JOIN accounts w ON w.id = h.reviewer_id
		WHERE h.call_id = $1 AND h.operator_id = $2 AND h.id <> $3 ORDER BY h.id`
	if err := s.db.SelectContext(ctx, &hist, hq, r.CallID, r.OperatorID, r.ID); err != nil {
		return r, fmt.Errorf("quality: history of review %d: %w", id, err)
	}
	for _, h := range hist {
		r.History = append(r.History, HistoryReview(h))
	}
	return r, nil
}

// appeals fills in the appeal and the appeal deadline of final reviews.
func (s *Store) appeals(ctx context.Context, rs []Review) error {
	if len(rs) == 0 {
		return nil
	}
	ids := make([]int64, len(rs))
	at := map[int64]*Review{}
	for i := range rs {
		ids[i], at[rs[i].ID] = rs[i].ID, &rs[i]
	}
	var as []Appeal
	const q = `SELECT p.id, p.review_id, o.username AS operator, p.reason, p.filed_at, p.status, COALESCE(d.username, '') AS decided_by,
			p.decided_at, p.decision_note, p.revision_id
		FROM qa_appeals p JOIN accounts o ON o.id = p.operator_id LEFT JOIN accounts d ON d.id = p.decided_by WHERE p.review_id = ANY($1)`
	if err := s.db.SelectContext(ctx, &as, q, pq.Array(ids)); err != nil {
		return fmt.Errorf("quality: appeals: %w", err)
	}
	for i := range as {
		at[as[i].ReviewID].Appeal = &as[i]
	}
	days, err := s.appealDays(ctx)
	if err != nil {
		return err
	}
	cal := s.cal.Calendar()
	today := calendar.DateOf(s.now())
	for i := range rs {
		r := &rs[i]
		if r.Status != StatusFinal || r.FinalizedAt == nil || r.SupersedesID != nil {
			continue
		}
		d := cal.AddWorkingDays(calendar.DateOf(*r.FinalizedAt), days)
		r.AppealDeadline = &d
		r.CanAppeal = r.Appeal == nil && r.SupersededBy == nil && !today.After(d)
	}
	return nil
}

func (s *Store) appealDays(ctx context.Context) (int, error) {
	var n int
	if err := s.db.GetContext(ctx, &n, `SELECT COALESCE((SELECT appeal_days FROM supervisor_settings), 3)`); err != nil {
		return 0, fmt.Errorf("quality: appeal days: %w", err)
	}
	return n, nil
}

const maxText = 2000

func text(field, v string, required bool, missing string) (string, error) {
	v = strings.TrimSpace(v)
	if required && v == "" {
		return "", fieldErr(field, "%s", missing)
	}
	if utf8.RuneCountInString(v) > maxText {
		return "", fieldErr(field, "最多 %d 个字", maxText)
	}
	return v, nil
}

// Save stores the scores and comment of a draft so far (incomplete scores
// are kept). A final review is ErrConflict.
func (s *Store) Save(ctx context.Context, a Actor, id int64, scores map[string]any, comment string) (Review, error) {
	return s.write(ctx, a, id, scores, comment, false)
}

// Finalize scores a draft in full and makes it final: it never changes
// after. Every item must be scored (a *FieldError names the first that is
// not); a failed fatal item zeroes the total.
func (s *Store) Finalize(ctx context.Context, a Actor, id int64, scores map[string]any, comment string) (Review, error) {
	return s.write(ctx, a, id, scores, comment, true)
}

func (s *Store) write(ctx context.Context, a Actor, id int64, scores map[string]any, comment string, final bool) (Review, error) {
	comment, err := text("comment", comment, false, "")
	if err != nil {
		return Review{}, err
	}
	r, err := s.Review(ctx, id)
	if err != nil {
		return Review{}, err
	}
	if r.Status == StatusFinal {
		return Review{}, wrap(ErrConflict, "这条质检已经定稿，不能再修改")
	}
	if r.OperatorID == a.AccountID {
		return Review{}, wrap(ErrForbidden, "不能给自己的通话评分")
	}
	total, fatal, clean, err := score(r.Items, scores, final)
	if err != nil {
		return Review{}, err
	}
	js, _ := json.Marshal(clean)
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return Review{}, fmt.Errorf("quality: score review %d: %w", id, err)
	}
	defer tx.Rollback()
	if final {
		_, err = tx.ExecContext(ctx, `UPDATE qa_reviews SET scores = $2, total = $3, fatal = $4, comment = $5, status = 'final',
			reviewer_id = $6, finalized_at = $7 WHERE id = $1 AND status = 'draft'`, id, js, total, fatal, comment, a.AccountID, s.now())
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE qa_reviews SET scores = $2, comment = $3 WHERE id = $1 AND status = 'draft'`, id, js, comment)
	}
	if err != nil {
		return Review{}, fmt.Errorf("quality: score review %d: %w", id, err)
	}
	if final {
		if err := audit(ctx, tx, a, "quality.review.final", id, map[string]any{"total": total, "fatal": fatal, "call_id": r.CallID,
			"operator_id": r.OperatorID, "form_version_id": r.FormVersionID}); err != nil {
			return Review{}, err
		}
	}
	if err := tx.Commit(); err != nil {
		return Review{}, fmt.Errorf("quality: score review %d: %w", id, err)
	}
	return s.Review(ctx, id)
}

// Mine returns the operator's final reviews, newest first, with their
// appeals and deadlines.
func (s *Store) Mine(ctx context.Context, operatorID int64) ([]Review, error) {
	return s.Reviews(ctx, ReviewFilter{Status: StatusFinal, OperatorID: operatorID, Limit: 200})
}

// FileAppeal is the operator appealing their final review with a reason,
// within the appeal period: supervisor_settings.appeal_days working days
// after the day it was made final. It fails with ErrForbidden for someone
// else's review, ErrConflict for a draft, a revision or a second appeal,
// ErrLate past the period, a *FieldError without a reason.
func (s *Store) FileAppeal(ctx context.Context, a Actor, reviewID int64, reason string) (Appeal, error) {
	reason, err := text("reason", reason, true, "请写明申诉理由")
	if err != nil {
		return Appeal{}, err
	}
	r, err := s.Review(ctx, reviewID)
	if err != nil {
		return Appeal{}, err
	}
	switch {
	case r.OperatorID != a.AccountID:
		return Appeal{}, wrap(ErrForbidden, "只能对自己的质检结果申诉")
	case r.Status != StatusFinal:
		return Appeal{}, wrap(ErrConflict, "质检还没有定稿")
	case r.SupersedesID != nil || r.SupersededBy != nil:
		return Appeal{}, wrap(ErrConflict, "这是申诉后的复核结果，不能再申诉")
	case r.Appeal != nil:
		return Appeal{}, wrap(ErrConflict, "这条质检已经申诉过了")
	case !r.CanAppeal:
		return Appeal{}, wrap(ErrLate, "申诉期限已过（%s 前可以申诉）", r.AppealDeadline.AddDays(1))
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return Appeal{}, fmt.Errorf("quality: appeal: %w", err)
	}
	defer tx.Rollback()
	var id int64
	err = tx.GetContext(ctx, &id, `INSERT INTO qa_appeals (review_id, operator_id, reason, filed_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		reviewID, a.AccountID, reason, s.now())
	var pe *pq.Error
	if errors.As(err, &pe) && pe.Code == "23505" {
		return Appeal{}, wrap(ErrConflict, "这条质检已经申诉过了")
	}
	if err != nil {
		return Appeal{}, fmt.Errorf("quality: appeal: %w", err)
	}
	if err := audit(ctx, tx, a, "quality.appeal", reviewID, map[string]any{"appeal_id": id}); err != nil {
		return Appeal{}, err
	}
	if err := tx.Commit(); err != nil {
		return Appeal{}, fmt.Errorf("quality: appeal: %w", err)
	}
	r, err = s.Review(ctx, reviewID)
	if err != nil {
		return Appeal{}, err
	}
	return *r.Appeal, nil
}

// Decision is a supervisor's decision on an appeal: upheld with the new
// scores (a new final review supersedes the appealed one, which stays in
// the history), or rejected with a note saying why.
type Decision struct {
	Upheld  bool
	Note    string
	Scores  map[string]any
	Comment string
}

// Decide decides a pending appeal. It fails with ErrConflict for an appeal
// decided already, ErrForbidden for the operator's own, a *FieldError for
// a rejection without a note or incomplete new scores.
func (s *Store) Decide(ctx context.Context, a Actor, appealID int64, d Decision) (Review, error) {
	note, err := text("note", d.Note, !d.Upheld, "驳回申诉时请写明理由")
	if err != nil {
		return Review{}, err
	}
	var ap struct {
		ReviewID int64  `db:"review_id"`
		Status   string `db:"status"`
	}
	err = s.db.GetContext(ctx, &ap, `SELECT review_id, status FROM qa_appeals WHERE id = $1`, appealID)
	if errors.Is(err, sql.ErrNoRows) {
		return Review{}, wrap(ErrNotFound, "没有这条申诉")
	}
	if err != nil {
		return Review{}, fmt.Errorf("quality: appeal %d: %w", appealID, err)
	}
	if ap.Status != "pending" {
		return Review{}, wrap(ErrConflict, "这条申诉已经处理过了")
	}
	r, err := s.Review(ctx, ap.ReviewID)
	if err != nil {
		return Review{}, err
	}
	if r.OperatorID == a.AccountID {
		return Review{}, wrap(ErrForbidden, "不能处理自己的申诉")
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return Review{}, fmt.Errorf("quality: decide appeal: %w", err)
	}
	defer tx.Rollback()
	now := s.now()
	var revision sql.NullInt64
	status := "rejected"
	if d.Upheld {
		status = "upheld"
		total, fatal, clean, err := score(r.Items, d.Scores, true)
		if err != nil {
			return Review{}, err
		}
		comment, err := text("comment", d.Comment, false, "")
		if err != nil {
			return Review{}, err
		}
		js, _ := json.Marshal(clean)
		var id int64
		if err := tx.GetContext(ctx, &id, `INSERT INTO qa_reviews (call_id, leg_id, operator_id, form_version_id, sample, status, scores, total, fatal,
				comment, created_by, created_at, reviewer_id, finalized_at, supersedes_id)
			SELECT call_id, leg_id, operator_id, form_version_id, 'appeal', 'final', $2, $3, $4, $5, $6, $7, $6, $7, id FROM qa_reviews WHERE id = $1
			RETURNING id`, r.ID, js, total, fatal, comment, a.AccountID, now); err != nil {
			return Review{}, fmt.Errorf("quality: revised score: %w", err)
		}
		revision = sql.NullInt64{Int64: id, Valid: true}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE qa_appeals SET status = $2, decided_by = $3, decided_at = $4, decision_note = $5, revision_id = $6
		WHERE id = $1 AND status = 'pending'`, appealID, status, a.AccountID, now, note, revision); err != nil {
		return Review{}, fmt.Errorf("quality: decide appeal: %w", err)
	}
	if err := audit(ctx, tx, a, "quality.appeal.decide", r.ID, map[string]any{"appeal_id": appealID, "decision": status,
		"revision_id": revision.Int64}); err != nil {
		return Review{}, err
	}
	if err := tx.Commit(); err != nil {
		return Review{}, fmt.Errorf("quality: decide appeal: %w", err)
	}
	if revision.Valid {
		return s.Review(ctx, revision.Int64)
	}
	return s.Review(ctx, r.ID)
}

// PendingAppeals returns the reviews with an appeal waiting for a
// decision, oldest appeal first.
func (s *Store) PendingAppeals(ctx context.Context) ([]Review, error) {
	var ids []int64
	if err := s.db.SelectContext(ctx, &ids, `SELECT review_id FROM qa_appeals WHERE status = 'pending' ORDER BY filed_at LIMIT 200`); err != nil {
		return nil, fmt.Errorf("quality: pending appeals: %w", err)
	}
	out := []Review{}
	for _, id := range ids {
		r, err := s.Review(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}
