package kiosk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
)

// selectDocument reads documents (or the public view, by replacing FROM)
// joined with their agency and category.
const (
	documentColumns = `SELECT d.id, d.index_no, d.code, d.doc_number, d.title, d.agency_id,
		a.full_name AS agency, d.category_id, c.path AS category, d.topic, d.kind, d.doc_type, d.written_at,
		d.published_at, d.validity, d.replaced_by, d.disclosure, d.withheld_reason, d.interprets,
		d.body, d.state, d.updated_at `
	documentJoins = ` d JOIN departments a ON a.id = d.agency_id JOIN categories c ON c.id = d.category_id `
	staffFrom     = `FROM documents` + documentJoins
	publicFrom    = `FROM public_documents` + documentJoins
	staffSelect   = documentColumns + staffFrom
	publicSelect  = documentColumns + publicFrom
)

// Get returns any document by id, for staff, or ErrNotFound.
func (s *Store) Get(ctx context.Context, id int64) (Document, error) {
	return s.getOne(ctx, staffSelect+`WHERE d.id = $1`, id)
}

func (s *Store) getOne(ctx context.Context, q string, arg any) (Document, error) {
	var d Document
	err := s.db.GetContext(ctx, &d, q, arg)
	if errors.Is(err, sql.ErrNoRows) {
		return d, fmt.Errorf("document %v: %w", arg, ErrNotFound)
	}
	if err != nil {
		return d, fmt.Errorf("kiosk: get document %v: %w", arg, err)
	}
	return d, nil
}

// Public is a public document with the documents linked to it, as a
// citizen sees it: 依申请公开 items show their metadata but not their text.
type Public struct {
	Document
	Interpretations []Link `json:"interpretations"`
	Explains        *Link  `json:"explains,omitempty"`
	Replacement     *Link  `json:"replacement,omitempty"`
	Replaces        []Link `json:"replaces"`
}

// Link is a short reference to another public document.
type Link struct {
	ID        int64  `db:"id" json:"id"`
	Code      string `db:"code" json:"code"`
	Title     string `db:"title" json:"title"`
	DocNumber string `db:"doc_number" json:"doc_number"`
	Kind      string `db:"kind" json:"kind"`
	Validity  string `db:"validity" json:"validity"`
}

// PublicByID returns a public document by id; withheld, draft, in-review and
// unknown ids all give ErrNotFound alike.
func (s *Store) PublicByID(ctx context.Context, id int64) (Public, error) {
	d, err := s.getOne(ctx, publicSelect+`WHERE d.id = $1`, id)
	if err != nil {
		return Public{}, err
	}
	return s.withLinks(ctx, d)
}

// PublicByCode returns a public document by its public code, or ErrNotFound
// exactly as for a code that never existed.
func (s *Store) PublicByCode(ctx context.Context, code string) (Public, error) {
	if len(code) != 8 {
		return Public{}, fmt.Errorf("code %q: %w", code, ErrNotFound)
	}
	d, err := s.getOne(ctx, publicSelect+`WHERE d.code = $1`, code)
	if err != nil {
		return Public{}, err
	}
	return s.withLinks(ctx, d)
}

const selectLink = `SELECT id, code, title, doc_number, kind, validity FROM public_documents `

func (s *Store) withLinks(ctx context.Context, d Document) (Public, error) {
	p := Public{Document: d, Interpretations: []Link{}, Replaces: []Link{}}
	if d.Disclosure == OnRequest {
		p.Body = ""
	}
	if err := s.db.SelectContext(ctx, &p.Interpretations, selectLink+`WHERE interprets = $1 ORDER BY published_at, id`, d.ID); err != nil {
		return p, fmt.Errorf("kiosk: interpretations of %d: %w", d.ID, err)
	}
	if err := s.db.SelectContext(ctx, &p.Replaces, selectLink+`WHERE replaced_by = $1 ORDER BY published_at, id`, d.ID); err != nil {
		return p, fmt.Errorf("kiosk: documents replaced by %d: %w", d.ID, err)
	}
	var err error
	if p.Explains, err = s.link(ctx, d.Interprets); err != nil {
		return p, err
	}
	if p.Replacement, err = s.link(ctx, d.ReplacedBy); err != nil {
		return p, err
	}
	if p.Replacement == nil {
		p.ReplacedBy = nil // a replacement that is not public is not mentioned
	}
	if p.Explains == nil {
		p.Interprets = nil
	}
	return p, nil
}

func (s *Store) link(ctx context.Context, id *int64) (*Link, error) {
	if id == nil {
		return nil, nil
	}
	var l Link
	err := s.db.GetContext(ctx, &l, selectLink+`WHERE id = $1`, *id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("kiosk: linked document %d: %w", *id, err)
	}
	return &l, nil
}

// Filter narrows a listing. Zero values do not filter.
type Filter struct {
	Category string // path; includes sub-categories
	Agency   string // department code, name or full name
	Year     int
	Validity string
	Kind     string
	State    string // staff listings only
	Limit    int
	Offset   int
}

// ListPublic lists public documents, newest first, with the total count.
func (s *Store) ListPublic(ctx context.Context, f Filter) ([]Document, int, error) {
	f.State = ""
	return s.list(ctx, publicFrom, f)
}

// List lists documents in any state for staff (review queues, drafts).
func (s *Store) List(ctx context.Context, f Filter) ([]Document, int, error) {
	return s.list(ctx, staffFrom, f)
}

func (s *Store) list(ctx context.Context, from string, f Filter) ([]Document, int, error) {
	where, args := "WHERE TRUE", []any{}
	add := func(cond string, v any) {
		args = append(args, v)
		where += fmt.Sprintf(" AND "+cond, len(args))
	}
	if f.Category != "" {
		args = append(args, f.Category)
		where += fmt.Sprintf(" AND (c.path = $%d OR c.path LIKE $%d || '/%%')", len(args), len(args))
	}
	if f.Agency != "" {
		add("(a.code = $%[1]d OR a.name = $%[1]d OR a.full_name = $%[1]d)", f.Agency)
	}
	if f.Year != 0 {
		add("d.published_at >= make_date($%[1]d, 1, 1) AND d.published_at < make_date($%[1]d + 1, 1, 1)", f.Year)
	}
	if f.Validity != "" {
		add("d.validity = $%d", f.Validity)
	}
	if f.Kind != "" {
		add("d.kind = $%d", f.Kind)
	}
	if f.State != "" {
		add("d.state = $%d", f.State)
	}
	var total int
	if err := s.db.GetContext(ctx, &total, "SELECT count(*) "+from+where, args...); err != nil {
		return nil, 0, fmt.Errorf("kiosk: count documents: %w", err)
	}
	limit := clamp(f.Limit, 20, 100)
	q := documentColumns + from + where + " ORDER BY d.published_at DESC NULLS LAST, d.id DESC LIMIT " +
		strconv.Itoa(limit) + " OFFSET " + strconv.Itoa(max(f.Offset, 0))
	var ds []Document
	if err := s.db.SelectContext(ctx, &ds, q, args...); err != nil {
		return nil, 0, fmt.Errorf("kiosk: list documents: %w", err)
	}
	return ds, total, nil
}

func clamp(n, def, most int) int {
	if n <= 0 {
		return def
	}
	return min(n, most)
}
