package search

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Actions a click records; a print weighs more than an open.
const (
	ActionOpen  = "open"
	ActionPrint = "print"
)

var actionWeights = map[string]float64{ActionOpen: 1, ActionPrint: 3}

// Click is a citizen opening or printing a result of a query.
type Click struct {
	Query  string // the query as typed
	DocID  int64
	Action string // ActionOpen or ActionPrint
	// Source identifies the screen or address (a terminal id, an IP). One
	// source counts once per query and document within the dedupe window,
	// and a query needs several sources before it is suggested to others.
	Source string
	// Place is where the click was made, for the demand report: a
	// terminal's place type, "" for the web.
	Place string
}

// RecordClick learns from a click: the document rises for this query (and
// every bracket style of the same 文号), decaying with the half-life. It
// fails with a FieldError for a bad click and ErrNotFound when the document
// is not public.
func (s *Store) RecordClick(ctx context.Context, c Click) error {
	weight, err := c.check()
	if err != nil {
		return err
	}
	qkey := queryKey(c.Query)
	defer s.cache.clicked(qkey)
	defer s.clicks.add(qkey)
	fresh := false
	err = s.inTx(ctx, func(tx txExec) error {
		var public bool
		if err := tx.GetContext(ctx, &public, `SELECT EXISTS (SELECT 1 FROM public_documents WHERE id = $1)`, c.DocID); err != nil {
			return fmt.Errorf("search: check document %d: %w", c.DocID, err)
		}
		if !public {
			return fmt.Errorf("%w: document %d", ErrNotFound, c.DocID)
		}
		var err error
		if fresh, err = s.insertClick(ctx, tx, qkey, c); err != nil || !fresh {
			return err
		}
		return s.learn(ctx, tx, qkey, c, weight)
	})
	if err == nil && fresh {
		s.countClick(c, qkey)
	}
	return err
}

func (c Click) check() (float64, error) {
	w, ok := actionWeights[c.Action]
	switch {
	case !ok:
		return 0, fieldErr("action", "action must be %q or %q", ActionOpen, ActionPrint)
	case c.DocID <= 0:
		return 0, fieldErr("document_id", "a document id is required")
	case compact(c.Query) == "" || !validText(c.Query):
		return 0, fieldErr("q", "the query the document was found with is required")
	case utf8.RuneCountInString(c.Query) > MaxQueryRunes:
		return 0, fieldErr("q", "查询内容不能超过%d个字", MaxQueryRunes)
	case len(c.Source) > 200 || !validText(c.Source):
		return 0, fieldErr("source", "source must be text of at most 200 bytes")
	case utf8.RuneCountInString(c.Place) > 20 || !validText(c.Place):
		return 0, fieldErr("place", "场所类型不正确")
	}
	return w, nil
}

const insertClickSQL = `INSERT INTO search_clicks (qkey, doc_id, action, source)
	SELECT $1, $2, $3, $4
	WHERE NOT EXISTS (SELECT 1 FROM search_clicks
		WHERE qkey = $1 AND doc_id = $2 AND source = $4 AND action = $3 AND at > now() - make_interval(secs => $5))
	RETURNING true`

// insertClick stores the raw event unless the same source made the same
// click within the dedupe window; it reports whether it counted.
func (s *Store) insertClick(ctx context.Context, tx txExec, qkey string, c Click) (bool, error) {
	var fresh []bool
	if err := tx.SelectContext(ctx, &fresh, insertClickSQL, qkey, c.DocID, c.Action, c.Source, s.opts.DedupeWindow.Seconds()); err != nil {
		return false, fmt.Errorf("search: record click: %w", err)
	}
	return len(fresh) == 1, nil
}

const learnDocSQL = `INSERT INTO search_click_scores AS s (qkey, doc_id, score, updated_at)
	VALUES ($1, $2, $3, now())
	ON CONFLICT (qkey, doc_id) DO UPDATE SET
		score = s.score * exp(-ln(2) * extract(epoch FROM now() - s.updated_at) / $4) + EXCLUDED.score,
		updated_at = now()`

const learnQuerySQL = `INSERT INTO search_queries AS q (qkey, query, pinyin, initials, score, sources, updated_at)
	VALUES ($1, $2, $3, $4, $5, (SELECT count(DISTINCT source) FROM search_clicks WHERE qkey = $1), now())
	ON CONFLICT (qkey) DO UPDATE SET
		query = EXCLUDED.query,
		score = q.score * exp(-ln(2) * extract(epoch FROM now() - q.updated_at) / $6) + EXCLUDED.score,
		sources = EXCLUDED.sources,
		updated_at = now()`

// learn raises the document for the query and the query among popular ones.
func (s *Store) learn(ctx context.Context, tx txExec, qkey string, c Click, weight float64) error {
	halfLife := s.opts.HalfLife.Seconds()
	if _, err := tx.ExecContext(ctx, learnDocSQL, qkey, c.DocID, weight, halfLife); err != nil {
		return fmt.Errorf("search: learn click: %w", err)
	}
	shown := strings.Join(strings.Fields(normalizeKeepCase(c.Query)), " ")
	full, ini := s.an.py.spell(shown)
	if strings.HasPrefix(qkey, "wh:") {
		full, ini = "", ""
	}
	if _, err := tx.ExecContext(ctx, learnQuerySQL, qkey, shown, full, ini, weight, halfLife); err != nil {
		return fmt.Errorf("search: learn query: %w", err)
	}
	return nil
}

// PopularQuery is a query whose results people opened or printed.
type PopularQuery struct {
	Query   string    `db:"query" json:"query"`
	Score   float64   `db:"score" json:"score"` // decayed to now
	Sources int       `db:"sources" json:"sources"`
	LastAt  time.Time `db:"updated_at" json:"last_at"`
}

// popularFilter keeps queries seen from enough sources and without long
// digit runs (telephone or ID numbers typed into a search box are personal).
const popularFilter = `sources >= $2 AND (qkey LIKE 'wh:%' OR qkey !~ '[0-9]{5}')`

// PopularQueries lists the most opened queries now (hot topics for the
// kiosk home screen), at most limit (1–100).
func (s *Store) PopularQueries(ctx context.Context, limit int) ([]PopularQuery, error) {
	if limit < 1 || limit > 100 {
		return nil, fieldErr("limit", "limit must be between 1 and 100")
	}
	q := `SELECT query, sources, updated_at,
			score * exp(-ln(2) * extract(epoch FROM now() - updated_at) / $3) AS score
		FROM search_queries WHERE ` + popularFilter + `
		ORDER BY 4 DESC, qkey LIMIT $1`
	var out []PopularQuery
	if err := s.db.SelectContext(ctx, &out, q, limit, s.opts.MinSources, s.opts.HalfLife.Seconds()); err != nil {
		return nil, fmt.Errorf("search: popular queries: %w", err)
	}
	return out, nil
}
