package queries

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"golang.org/x/text/unicode/norm"
)

// Entry is an entry of the knowledge base (查询信息库): a question and its
// answer, from an answer marked general and public or written as an FAQ.
type Entry struct {
	ID          int64        `db:"id" json:"id"`
	Question    string       `db:"question" json:"question"`
	Answer      string       `db:"answer" json:"answer"`
	Department  string       `db:"department" json:"department,omitempty"`
	Status      string       `db:"status" json:"status"`
	QueryCode   string       `db:"code" json:"query_code,omitempty"`
	ProposedAt  time.Time    `db:"proposed_at" json:"proposed_at"`
	PublishedAt sql.NullTime `db:"reviewed_at" json:"-"`
	Hits        int          `db:"hits" json:"-"`
}

const selectEntries = `SELECT k.id, k.question, k.answer, COALESCE(d.name, '') AS department, k.status,
		COALESCE(q.code, '') AS code, k.proposed_at, k.reviewed_at, 0 AS hits
	FROM knowledge k LEFT JOIN departments d ON d.id = k.department_id LEFT JOIN queries q ON q.id = k.query_id`

const insertEntry = `INSERT INTO knowledge (query_id, answer_id, department_id, question, answer, proposed_by, proposed_at, search_text)
	VALUES (NULLIF($1, 0), NULLIF($2, 0), NULLIF($3, 0), $4, $5, NULLIF($6, 0), $7, $8) RETURNING id`

// proposeKnowledge puts the locked query's answer into the review queue of
// the knowledge base, with the asker's personal data already masked.
func (o *op) proposeKnowledge(answerID int64, body string) error {
	question := Redact(o.q.Question, o.q.AskerName, o.q.AskerPhone)
	answer := Redact(body, o.q.AskerName, o.q.AskerPhone)
	var id int64
	err := o.tx.GetContext(o.ctx, &id, insertEntry, o.q.ID, answerID, o.q.DepartmentID, question, answer,
		o.a.AccountID, o.now, searchText(question, answer))
	if err != nil {
		return fmt.Errorf("queries: propose answer of %s for the knowledge base: %w", o.q.Code, err)
	}
	o.emit(event{kind: "knowledge_proposed", dep: o.q.DepartmentID, detail: map[string]any{"knowledge_id": id}})
	o.notifyRole(noteApproval, roleReviewer, 0, 0)
	return nil
}

// AddFAQ proposes an entry written by staff (常见问题); it is published
// once another reviewer approves it. It fails with a *FieldError for an
// empty question or answer and ErrForbidden for citizens.
func (s *Store) AddFAQ(ctx context.Context, a Actor, question, answer string) (int64, error) {
	if !a.staff() {
		return 0, forbidden("只有工作人员可以添加常见问题")
	}
	question, err := text("question", question, "请填写问题")
	if err != nil {
		return 0, err
	}
	if answer = strings.TrimSpace(answer); answer == "" || utf8.RuneCountInString(answer) > MaxAnswer {
		return 0, fieldErr("answer", "请填写答复，最多%d个字", MaxAnswer)
	}
	question, answer = Redact(question, "", ""), Redact(answer, "", "")
	var id int64
	err = s.db.GetContext(ctx, &id, insertEntry, 0, 0, a.DepartmentID, question, answer, a.AccountID, s.now(),
		searchText(question, answer))
	if err != nil {
		return 0, fmt.Errorf("queries: add FAQ: %w", err)
	}
	return id, nil
}

// KnowledgeReview is a reviewer's decision on a proposed entry, with the
// question and answer as redacted (empty keeps them).
type KnowledgeReview struct {
	Approve  bool   `json:"approve"`
	Question string `json:"question,omitempty"`
	Answer   string `json:"answer,omitempty"`
	Note     string `json:"note,omitempty"`
}

// ReviewKnowledge publishes or rejects a pending entry. Only a reviewer or
// admin other than the proposer decides (先审查后公开); the texts are
// masked once more for phone and identity numbers. The decision is audited.
// It fails with ErrNotFound, ErrForbidden, ErrConflict when the entry was
// decided already and a *FieldError for a rejection without a note.
func (s *Store) ReviewKnowledge(ctx context.Context, a Actor, id int64, r KnowledgeReview) error {
	if !a.has(roleReviewer) && !a.has(roleAdmin) {
		return forbidden("知识库条目由审核人员审核")
	}
	if !r.Approve && strings.TrimSpace(r.Note) == "" {
		return fieldErr("note", "不予发布须说明理由")
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("queries: begin review: %w", err)
	}
	defer tx.Rollback()
	var k struct {
		Question   string        `db:"question"`
		Answer     string        `db:"answer"`
		Status     string        `db:"status"`
		ProposedBy sql.NullInt64 `db:"proposed_by"`
	}
	err = tx.GetContext(ctx, &k, `SELECT question, answer, status, proposed_by FROM knowledge WHERE id = $1 FOR UPDATE`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: 没有编号为 %d 的知识库条目", ErrNotFound, id)
	}
	if err != nil {
		return fmt.Errorf("queries: knowledge %d: %w", id, err)
	}
	switch {
	case k.Status != "pending":
		return conflict("知识库条目 %d 已经审核过了", id)
	case k.ProposedBy.Valid && k.ProposedBy.Int64 == a.AccountID:
		return forbidden("不能审核自己提交的条目")
	}
	if err := storeReview(ctx, tx, a, id, k.Question, k.Answer, r, s.now()); err != nil {
		return err
	}
	return tx.Commit()
}

// storeReview writes the decision and its audit entry.
func storeReview(ctx context.Context, tx *sqlx.Tx, a Actor, id int64, question, answer string, r KnowledgeReview, now time.Time) error {
	if q := strings.TrimSpace(r.Question); q != "" {
		question = q
	}
	if ans := strings.TrimSpace(r.Answer); ans != "" {
		answer = ans
	}
	question, answer = Redact(question, "", ""), Redact(answer, "", "")
	status := "rejected"
	if r.Approve {
		status = "published"
	}
	const q = `UPDATE knowledge SET status = $2, question = $3, answer = $4, search_text = $5, reviewed_by = $6,
		reviewed_at = $7, review_note = $8 WHERE id = $1`
	if _, err := tx.ExecContext(ctx, q, id, status, question, answer, searchText(question, answer), a.AccountID, now, r.Note); err != nil {
		return fmt.Errorf("queries: review knowledge %d: %w", id, err)
	}
	return audit(ctx, tx, a, "knowledge."+status, "knowledge", id, map[string]any{"note": r.Note})
}

// audit writes an audit_log row in tx.
func audit(ctx context.Context, tx *sqlx.Tx, a Actor, action, objType string, objID int64, detail map[string]any) error {
	js, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("queries: audit detail: %w", err)
	}
	const q = `INSERT INTO audit_log (account_id, actor, ip, action, object_type, object_id, detail)
		VALUES (NULLIF($1, 0), $2, $3, $4, $5, $6, $7)`
	if _, err := tx.ExecContext(ctx, q, a.AccountID, a.Username, a.IP, action, objType, fmt.Sprint(objID), js); err != nil {
		return fmt.Errorf("queries: audit %s: %w", action, err)
	}
	return nil
}

// PendingKnowledge lists the entries waiting for review, oldest first.
func (s *Store) PendingKnowledge(ctx context.Context, limit int) ([]Entry, error) {
	var out []Entry
	q := selectEntries + ` WHERE k.status = 'pending' ORDER BY k.proposed_at, k.id LIMIT $1`
	if err := s.db.SelectContext(ctx, &out, q, limit); err != nil {
		return nil, fmt.Errorf("queries: pending knowledge: %w", err)
	}
	return out, nil
}

// Knowledge returns published entries: those matching q best first, or with
// an empty q the newest. Matching is on Chinese character pairs and Latin
// words, which suits a knowledge base of some thousand entries; an entry
// must hold at least a third of the query's terms.
func (s *Store) Knowledge(ctx context.Context, q string, limit, offset int) ([]Entry, error) {
	var out []Entry
	terms := searchTerms(q)
	if len(terms) == 0 {
		sel := selectEntries + ` WHERE k.status = 'published' ORDER BY k.reviewed_at DESC, k.id DESC LIMIT $1 OFFSET $2`
		if err := s.db.SelectContext(ctx, &out, sel, limit, offset); err != nil {
			return nil, fmt.Errorf("queries: list knowledge: %w", err)
		}
		return out, nil
	}
	sel := `SELECT * FROM (` + strings.Replace(selectEntries, `0 AS hits`,
		`(SELECT count(*) FROM unnest($1::text[]) t WHERE strpos(k.search_text, t) > 0) AS hits`, 1) +
		` WHERE k.status = 'published') e WHERE e.hits * 3 >= $2 AND e.hits > 0
		ORDER BY e.hits DESC, e.reviewed_at DESC, e.id DESC LIMIT $3 OFFSET $4`
	if err := s.db.SelectContext(ctx, &out, sel, pq.Array(terms), len(terms), limit, offset); err != nil {
		return nil, fmt.Errorf("queries: search knowledge: %w", err)
	}
	return out, nil
}

// searchText is what entries are matched against: NFKC, lower case.
func searchText(question, answer string) string {
	return strings.ToLower(norm.NFKC.String(question + "\n" + answer))
}

// maxTerms bounds the terms of one search.
const maxTerms = 32

// searchTerms cuts a query into terms: each pair of adjacent Chinese
// characters (a lone character alone) and each run of letters or digits.
func searchTerms(q string) []string {
	q = strings.ToLower(norm.NFKC.String(q))
	seen := map[string]bool{}
	var out []string
	add := func(t string) {
		if t != "" && !seen[t] && len(out) < maxTerms {
			seen[t] = true
			out = append(out, t)
		}
	}
	var han, word []rune
	flush := func() {
		if len(han) == 1 {
			add(string(han))
		}
		for i := 0; i+1 < len(han); i++ {
			add(string(han[i : i+2]))
		}
		add(string(word))
		han, word = han[:0], word[:0]
	}
	for _, r := range q {
		switch {
		case unicode.Is(unicode.Han, r):
			if len(word) > 0 {
				flush()
			}
			han = append(han, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if len(han) > 0 {
				flush()
			}
			word = append(word, r)
		default:
			flush()
		}
	}
	flush()
	return out
}
