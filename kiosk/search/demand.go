package search

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/lib/pq"
)

// The demand loop: what citizens search for shapes the catalog. Every
// typed search (first page) and every open or print of a result is counted
// per day, normalised query and place (a terminal's place type, "" for the
// web) in search_demand; admins list the queries of the last days that found
// nothing or whose results nobody opened, and answer them with a synonym or
// a pinned document (pins.go).

// Kinds of demand lists.
const (
	DemandZero     = "zero"      // searches that found nothing
	DemandLowClick = "low_click" // searches that found documents nobody opened or printed
)

// PlaceWeb filters the demand on searches not made at a terminal (the
// website, the consoles' public pages, scripts).
const PlaceWeb = "web"

// Low-click rule: a query is listed when it found documents at least
// lowClickMin times and at most one search in lowClickRatio led to an open
// or print.
const (
	lowClickMin   = 3
	lowClickRatio = 5
)

// demandFlushAfter is how long counts wait in memory before they are
// written (one statement for all of them); Demand writes them at once.
const demandFlushAfter = 3 * time.Second

// demandMaxKeys bounds the counts kept in memory while the database does
// not take them; beyond it new counts are dropped (and logged).
const demandMaxKeys = 20000

// personalRE finds runs of five or more digits: telephone and ID numbers
// typed into a search box are never logged for the demand report.
var personalRE = regexp.MustCompile(`[0-9]{5}`)

// shanghai is the time zone demand days are counted in.
var shanghai = time.FixedZone("CST", 8*3600)

type demandKey struct{ day, qkey, place string }

type demandCount struct {
	query                  string
	searches, zero, clicks int
}

// demandLog collects counts in memory until they are flushed.
type demandLog struct {
	mu      sync.Mutex
	rows    map[demandKey]*demandCount
	timer   *time.Timer
	writing sync.Mutex // held while counts are written, so FlushDemand waits for the timer's write
}

// countSearch counts a typed search of the first page; zero when it found
// nothing (unfiltered).
func (s *Store) countSearch(req Request, qkey string, zero bool) {
	if req.NoLog || s.noZeroLog || req.Offset > 0 {
		return
	}
	s.countDemand(req.Q, qkey, req.Place, func(c *demandCount) {
		c.searches++
		if zero {
			c.zero++
		}
	})
}

// countClick counts an open or print of a result.
func (s *Store) countClick(c Click, qkey string) {
	if s.noZeroLog {
		return
	}
	s.countDemand(c.Query, qkey, c.Place, func(d *demandCount) { d.clicks++ })
}

func (s *Store) countDemand(query, qkey, place string, add func(*demandCount)) {
	if qkey == "" || (!strings.HasPrefix(qkey, "wh:") && personalRE.MatchString(qkey)) {
		return
	}
	// The strings are kept past the request: copy them (an HTTP server may
	// reuse the buffers they point into).
	k := demandKey{day: time.Now().In(shanghai).Format(time.DateOnly), qkey: strings.Clone(qkey), place: strings.Clone(place)}
	d := &s.demand
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.rows == nil {
		d.rows = map[demandKey]*demandCount{}
	}
	c, ok := d.rows[k]
	if !ok {
		if len(d.rows) >= demandMaxKeys {
			s.log.Warn("search: demand counts not written yet, dropping new ones", "kept", len(d.rows))
			return
		}
		c = &demandCount{}
		d.rows[k] = c
	}
	c.query = strings.Clone(truncate(strings.Join(strings.Fields(normalizeKeepCase(query)), " "), 100))
	add(c)
	if d.timer == nil {
		d.timer = time.AfterFunc(demandFlushAfter, func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := s.flushDemand(ctx); err != nil {
				s.log.Warn("search: write demand counts", "err", err)
			}
		})
	}
}

const flushDemandSQL = `INSERT INTO search_demand AS d (day, qkey, place, query, searches, zero, clicks)
	SELECT * FROM unnest($1::date[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[], $7::int[])
	ON CONFLICT (day, qkey, place) DO UPDATE SET query = EXCLUDED.query,
		searches = d.searches + EXCLUDED.searches, zero = d.zero + EXCLUDED.zero, clicks = d.clicks + EXCLUDED.clicks`

// FlushDemand writes the search-demand counts still kept in memory (they
// wait up to 3 s) and returns when no write of them is in progress: call
// it at shutdown, after the last request and before the database closes.
func (s *Store) FlushDemand(ctx context.Context) error { return s.flushDemand(ctx) }

// flushDemand writes the counts kept in memory. Counts that cannot be
// written are kept for the next try.
func (s *Store) flushDemand(ctx context.Context) error {
	d := &s.demand
	d.writing.Lock()
	defer d.writing.Unlock()
	d.mu.Lock()
	rows := d.rows
	d.rows = nil
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
	d.mu.Unlock()
	if len(rows) == 0 {
		return nil
	}
	n := len(rows)
	days, qkeys, places, queries := make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
	searches, zeros, clicks := make([]int64, 0, n), make([]int64, 0, n), make([]int64, 0, n)
	for k, c := range rows {
		days, qkeys, places, queries = append(days, k.day), append(qkeys, k.qkey), append(places, k.place), append(queries, c.query)
		searches, zeros, clicks = append(searches, int64(c.searches)), append(zeros, int64(c.zero)), append(clicks, int64(c.clicks))
	}
	_, err := s.db.ExecContext(ctx, flushDemandSQL, pq.Array(days), pq.Array(qkeys), pq.Array(places), pq.Array(queries),
		pq.Array(searches), pq.Array(zeros), pq.Array(clicks))
	if err == nil {
		return nil
	}
	// Put the counts back, added to what came in meanwhile.
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.rows == nil {
		d.rows = map[demandKey]*demandCount{}
	}
	for k, c := range rows {
		if cur, ok := d.rows[k]; ok {
			cur.searches += c.searches
			cur.zero += c.zero
			cur.clicks += c.clicks
		} else if len(d.rows) < demandMaxKeys {
			d.rows[k] = c
		}
	}
	return fmt.Errorf("search: write demand counts: %w", err)
}

// DemandFilter chooses a demand list.
type DemandFilter struct {
	Kind   string // DemandZero (default) or DemandLowClick
	Place  string // a terminal place type, PlaceWeb, or "" for every place
	Days   int    // the last N days, today included (default 30, at most 366)
	Limit  int    // 1–200, default 50
	Offset int
}

// DemandItem is one query of a demand list with what was done about it.
type DemandItem struct {
	Query    string         `db:"query" json:"query"`
	QKey     string         `db:"qkey" json:"-"`
	Searches int            `db:"searches" json:"searches"` // typed searches in the period
	Zero     int            `db:"zero" json:"zero"`         // of which found nothing
	Clicks   int            `db:"clicks" json:"clicks"`     // results opened or printed
	LastDay  string         `db:"last_day" json:"last_day"` // YYYY-MM-DD, the last day it was searched
	Places   pq.StringArray `db:"places" json:"places"`     // place types it was searched at ("" the web)
	Total    int            `db:"total" json:"-"`
	// Synonyms are the terms the synonym table links the query to now, and
	// Pins the documents pinned for it: what an admin already did.
	Synonyms []string `db:"-" json:"synonyms"`
	Pins     int      `db:"-" json:"pins"`
}

func (f DemandFilter) check() (DemandFilter, error) {
	switch {
	case f.Kind == "":
		f.Kind = DemandZero
	case f.Kind != DemandZero && f.Kind != DemandLowClick:
		return f, fieldErr("kind", "列表只能是 %s（没有结果）或 %s（结果无人打开）", DemandZero, DemandLowClick)
	}
	switch {
	case f.Days == 0:
		f.Days = 30
	case f.Days < 1 || f.Days > 366:
		return f, fieldErr("days", "天数须在 1 到 366 之间")
	}
	switch {
	case f.Limit == 0:
		f.Limit = 50
	case f.Limit < 1 || f.Limit > 200:
		return f, fieldErr("limit", "每页条数须在 1 到 200 之间")
	}
	if f.Offset < 0 {
		return f, fieldErr("offset", "offset 不能为负数")
	}
	if utf8.RuneCountInString(f.Place) > 20 || !validText(f.Place) {
		return f, fieldErr("place", "场所类型不正确")
	}
	return f, nil
}

// demandSQL groups the period's counts by query. $1 days, $2 place ("" all,
// "web" not at a terminal), $3 kind, $4 limit, $5 offset, $6–$7 the
// low-click rule.
const demandSQL = `WITH g AS (
	SELECT qkey, (array_agg(query ORDER BY day DESC))[1] AS query,
		sum(searches)::int AS searches, sum(zero)::int AS zero, sum(clicks)::int AS clicks,
		to_char(max(day) FILTER (WHERE searches > 0), 'YYYY-MM-DD') AS last_day,
		array_agg(DISTINCT place ORDER BY place) FILTER (WHERE searches > 0) AS places
	FROM search_demand
	WHERE day > (now() AT TIME ZONE INTERVAL '+08:00')::date - $1::int
		AND ($2 = '' OR place = CASE WHEN $2 = 'web' THEN '' ELSE $2 END)
	GROUP BY qkey
)
SELECT qkey, query, searches, zero, clicks, coalesce(last_day, '') AS last_day, coalesce(places, '{}') AS places,
	count(*) OVER () AS total
FROM g
WHERE CASE WHEN $3 = 'zero' THEN zero > 0
	ELSE searches - zero >= $6 AND clicks * $7 <= searches - zero END
ORDER BY CASE WHEN $3 = 'zero' THEN zero ELSE searches - zero - clicks END DESC, last_day DESC NULLS LAST, qkey
LIMIT $4 OFFSET $5`

// Demand lists the queries of the last days that found nothing (kind
// DemandZero) or whose results were hardly ever opened or printed
// (DemandLowClick), most frequent first, with the number of queries listed
// in all and what the synonym table and the pins do for each now. It fails
// with a FieldError for a bad filter.
func (s *Store) Demand(ctx context.Context, f DemandFilter) ([]DemandItem, int, error) {
	f, err := f.check()
	if err != nil {
		return nil, 0, err
	}
	if err := s.flushDemand(ctx); err != nil {
		s.log.Warn("search: demand counts", "err", err)
	}
	var out []DemandItem
	if err := s.db.SelectContext(ctx, &out, demandSQL, f.Days, f.Place, f.Kind, f.Limit, f.Offset, lowClickMin, lowClickRatio); err != nil {
		return nil, 0, fmt.Errorf("search: demand: %w", err)
	}
	total := 0
	if len(out) > 0 {
		total = out[0].Total
	}
	syn, err := s.synonyms(ctx)
	if err != nil {
		return nil, 0, err
	}
	pins, err := s.pinSet(ctx)
	if err != nil {
		return nil, 0, err
	}
	for i := range out {
		k := out[i].QKey
		out[i].Synonyms = append([]string{}, syn.alts[k]...)
		out[i].Pins = len(pins[k])
	}
	return out, total, nil
}
