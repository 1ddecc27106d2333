package search

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/lib/pq"
)

// Pins are the phrase overrides of the admins: for one query (normalised as
// clicks and logs are, so 低保 and “低保 ” are one), documents shown first,
// in the order pinned, before whatever the ranking finds. They answer a
// query the catalog words differently (群众叫法) when a synonym would be too
// broad. Pinned documents are read through public_documents like every
// other hit: one withheld or repealed later simply stops showing.

// MaxPins is how many documents one query may have pinned.
const MaxPins = 5

// pinWindow bounds the results ranked to place a page exactly behind the
// pinned documents; deeper pages are placed by offset.
const pinWindow = 200

// Pin is one document pinned to a query.
type Pin struct {
	ID        int64     `db:"id" json:"id"`
	Query     string    `db:"query" json:"query"`
	DocID     int64     `db:"doc_id" json:"document_id"`
	Title     string    `db:"title" json:"title"`
	Public    bool      `db:"public" json:"public"` // false: no longer public, not shown
	Position  int       `db:"position" json:"position"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
}

// pinCache is the pins table in memory: query key → document ids in order.
type pinCache struct {
	mu     sync.Mutex
	set    map[string][]int64
	loaded time.Time
}

// pinSet returns the pins by query key, read again once older than the
// synonym TTL (changes through this store apply at once).
func (s *Store) pinSet(ctx context.Context) (map[string][]int64, error) {
	c := &s.pins
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.set != nil && time.Since(c.loaded) < s.opts.SynonymTTL {
		return c.set, nil
	}
	var rows []struct {
		QKey  string `db:"qkey"`
		DocID int64  `db:"doc_id"`
	}
	if err := s.db.SelectContext(ctx, &rows, `SELECT qkey, doc_id FROM search_pins ORDER BY qkey, position, id`); err != nil {
		if c.set != nil {
			s.log.Warn("search: reload pins", "err", err)
			return c.set, nil
		}
		return nil, fmt.Errorf("search: read pins: %w", err)
	}
	set := map[string][]int64{}
	for _, r := range rows {
		set[r.QKey] = append(set[r.QKey], r.DocID)
	}
	c.set, c.loaded = set, time.Now()
	return set, nil
}

func (s *Store) pinsFor(ctx context.Context, qkey string) ([]int64, error) {
	set, err := s.pinSet(ctx)
	if err != nil {
		return nil, err
	}
	return set[qkey], nil
}

func (s *Store) invalidatePins() {
	s.pins.mu.Lock()
	s.pins.loaded = time.Time{}
	s.pins.mu.Unlock()
}

// pinnedSQL reads pinned documents as hits, public ones only, in the order
// of $1.
const pinnedSQL = `SELECT coalesce(json_agg(x ORDER BY x.ord), '[]') FROM (
	SELECT array_position($1::bigint[], d.id) AS ord, d.id, d.index_no, d.code, d.doc_number, d.title,
		a.name AS agency, a.code AS agency_code, c.name AS category, c.path AS category_path,
		to_char(d.published_at, 'YYYY-MM-DD') AS published_at, d.validity, d.kind,
		CASE WHEN d.disclosure <> '主动公开' THEN '' ELSE left(d.body, 110) END AS snippet,
		CASE WHEN rep.id IS NULL THEN NULL ELSE json_build_object('id', rep.id, 'title', rep.title,
			'doc_number', rep.doc_number, 'code', rep.code) END AS replaced_by
	FROM public_documents d
	JOIN departments a ON a.id = d.agency_id
	JOIN categories c ON c.id = d.category_id
	LEFT JOIN public_documents rep ON rep.id = d.replaced_by
	WHERE d.id = ANY($1)
) x`

// pinnedHits returns the public documents of ids as hits, in order.
func (s *Store) pinnedHits(ctx context.Context, ids []int64) ([]Hit, error) {
	var js []byte
	if err := s.db.GetContext(ctx, &js, pinnedSQL, pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("search: read pinned documents: %w", err)
	}
	var hits []Hit
	if err := json.Unmarshal(js, &hits); err != nil {
		return nil, fmt.Errorf("search: decode pinned documents: %w", err)
	}
	for i := range hits {
		finishHit(&hits[i], nil)
		hits[i].Match = "pinned"
	}
	return hits, nil
}

// pinnedPage is a page of the pinned documents followed by the ranking
// without them. Up to pinWindow results the page is cut exactly from that
// list; deeper pages are the ranking's, shifted by the number of pins.
func (s *Store) pinnedPage(ctx context.Context, req Request, qkey string, pinned []int64) (Result, error) {
	hits, err := s.pinnedHits(ctx, pinned)
	if err != nil {
		return Result{}, err
	}
	p := len(hits)
	if p == 0 {
		return s.page(ctx, req, qkey)
	}
	under := req
	exact := req.Offset+req.Limit+p <= pinWindow
	if exact {
		under.Offset, under.Limit = 0, req.Offset+req.Limit+p
	} else {
		under.Offset, under.Limit = req.Offset-p, req.Limit+p
	}
	res, err := s.page(ctx, under, qkey)
	if err != nil {
		return Result{}, err
	}
	isPinned := map[int64]bool{}
	for _, h := range hits {
		isPinned[h.ID] = true
	}
	rest := make([]Hit, 0, len(res.Items))
	for _, h := range res.Items {
		if !isPinned[h.ID] {
			rest = append(rest, h)
		}
	}
	found := len(res.Items) - len(rest)
	var page []Hit
	if exact {
		all := append(hits, rest...)
		from := min(req.Offset, len(all))
		page = all[from:min(req.Offset+req.Limit, len(all))]
	} else {
		page = rest[:min(req.Limit, len(rest))]
	}
	res.Items = page
	res.Total += p - found
	return res, nil
}

// checkPinQuery normalises the query a pin is for.
func checkPinQuery(q string) (string, string, error) {
	shown := compactSpaces(q)
	switch {
	case !validText(q) || compact(q) == "":
		return "", "", fieldErr("query", "请填写检索词")
	case utf8.RuneCountInString(shown) > MaxQueryRunes:
		return "", "", fieldErr("query", "检索词不能超过%d个字", MaxQueryRunes)
	}
	return shown, queryKey(q), nil
}

// compactSpaces is a query as shown: width folded, runs of spaces one.
func compactSpaces(q string) string {
	return strings.Join(strings.Fields(normalizeKeepCase(q)), " ")
}

// AddPin pins a public document to a query, after those pinned before,
// audited (search.pin.add); searches for the query show it first at once.
// It fails with a FieldError for an empty query, a document that is not
// public or a query with MaxPins documents already, and with ErrConflict
// when the document is pinned to the query already.
func (s *Store) AddPin(ctx context.Context, a Actor, query string, docID int64) (Pin, error) {
	shown, qkey, err := checkPinQuery(query)
	if err != nil {
		return Pin{}, err
	}
	var out Pin
	err = s.inTx(ctx, func(tx txExec) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('search_pins:' || $1))`, qkey); err != nil {
			return fmt.Errorf("search: lock pins: %w", err)
		}
		var title string
		err := tx.GetContext(ctx, &title, `SELECT title FROM public_documents WHERE id = $1`, docID)
		if errors.Is(err, sql.ErrNoRows) {
			return fieldErr("document_id", "只能置顶已公开的文件")
		} else if err != nil {
			return fmt.Errorf("search: check pinned document: %w", err)
		}
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM search_pins WHERE qkey = $1`, qkey); err != nil {
			return fmt.Errorf("search: count pins: %w", err)
		}
		if n >= MaxPins {
			return fieldErr("document_id", "一个检索词最多置顶%d份文件，请先取消不需要的", MaxPins)
		}
		const q = `INSERT INTO search_pins (qkey, query, doc_id, position, created_by)
			VALUES ($1, $2, $3, (SELECT coalesce(max(position) + 1, 0) FROM search_pins WHERE qkey = $1), NULLIF($4, 0))
			ON CONFLICT (qkey, doc_id) DO NOTHING
			RETURNING id, query, doc_id, position, created_at, true AS public`
		var rows []Pin
		if err := tx.SelectContext(ctx, &rows, q, qkey, shown, docID, a.AccountID); err != nil {
			return fmt.Errorf("search: add pin: %w", err)
		}
		if len(rows) == 0 {
			return fmt.Errorf("%w: 这份文件已置顶到“%s”", ErrConflict, shown)
		}
		out = rows[0]
		out.Title = title
		return audit(ctx, tx, a, "search.pin.add", out.ID, map[string]any{"query": shown, "document_id": docID, "title": title})
	})
	if err != nil {
		return Pin{}, err
	}
	s.invalidatePins()
	s.cache.invalidate()
	return out, nil
}

// DeletePin removes a pin, audited (search.pin.delete). It fails with
// ErrNotFound for an unknown id.
func (s *Store) DeletePin(ctx context.Context, a Actor, id int64) error {
	err := s.inTx(ctx, func(tx txExec) error {
		var old struct {
			Query string `db:"query"`
			DocID int64  `db:"doc_id"`
		}
		err := tx.GetContext(ctx, &old, `DELETE FROM search_pins WHERE id = $1 RETURNING query, doc_id`, id)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: pin %d", ErrNotFound, id)
		} else if err != nil {
			return fmt.Errorf("search: delete pin %d: %w", id, err)
		}
		return audit(ctx, tx, a, "search.pin.delete", id, map[string]any{"query": old.Query, "document_id": old.DocID})
	})
	if err != nil {
		return err
	}
	s.invalidatePins()
	s.cache.invalidate()
	return nil
}

// Pins lists every pin by query, then in order.
func (s *Store) Pins(ctx context.Context) ([]Pin, error) {
	const q = `SELECT p.id, p.query, p.doc_id, d.title, p.position, p.created_at,
			EXISTS (SELECT 1 FROM public_documents x WHERE x.id = p.doc_id) AS public
		FROM search_pins p JOIN documents d ON d.id = p.doc_id
		ORDER BY p.qkey, p.position, p.id`
	var out []Pin
	if err := s.db.SelectContext(ctx, &out, q); err != nil {
		return nil, fmt.Errorf("search: list pins: %w", err)
	}
	return out, nil
}
