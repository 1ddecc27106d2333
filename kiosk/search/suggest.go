package search

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
)

// Kinds of suggestion.
const (
	SuggestKeyword = "keyword" // a term of the synonym table
	SuggestQuery   = "query"   // a popular query
	SuggestTitle   = "title"   // the title of a public document
)

// Suggestion is one completion of what is typed so far.
type Suggestion struct {
	Text  string `json:"text"`
	Kind  string `json:"kind"`
	DocID int64  `json:"doc_id,omitempty"` // for titles
}

const maxPrefixRunes = 40

const suggestQueriesSQL = `SELECT query FROM search_queries
	WHERE ` + popularFilter + ` AND qkey ~>=~ $1 AND qkey ~<~ $5
	ORDER BY score * exp(-ln(2) * extract(epoch FROM now() - updated_at) / $4) DESC, qkey LIMIT $3`

const suggestPinyinQueriesSQL = `SELECT query FROM search_queries
	WHERE ` + popularFilter + ` AND ((pinyin ~>=~ $1 AND pinyin ~<~ $5) OR (initials ~>=~ $1 AND initials ~<~ $5))
	ORDER BY score * exp(-ln(2) * extract(epoch FROM now() - updated_at) / $4) DESC, qkey LIMIT $3`

// suggestTitlesSQL takes up to 100 matching titles, newest years first (see
// dateLexemes), and offers those that start with the prefix, then those
// that contain it, then the rest.
const suggestTitlesSQL = `WITH
bounds AS (SELECT max(published_at) AS hi, min(published_at) AS lo FROM public_documents),
buckets AS (
	SELECT b FROM (
		SELECT '#' || y AS b FROM bounds, generate_series(extract(year FROM hi)::int, extract(year FROM lo)::int, -1) AS y
		UNION ALL SELECT '#0') s
	ORDER BY b = '#0', b DESC
)
SELECT id, title FROM (
	SELECT x.* FROM buckets CROSS JOIN LATERAL (
		SELECT d.id, d.title, d.published_at, strpos(d.search_norm_title, $2) AS pos FROM public_documents d
		WHERE d.search_title @@ ($1::tsquery && format('%L', buckets.b)::tsquery) OFFSET 0) x
	LIMIT 100) s
ORDER BY (pos = 1) DESC, (pos > 0) DESC, published_at DESC NULLS LAST, id DESC LIMIT $3`

// Suggest completes a prefix typed so far, in Chinese, full pinyin or
// initials: curated keywords first, then popular queries, then titles of
// public documents; at most limit (1–20, default 8), without repeats.
func (s *Store) Suggest(ctx context.Context, prefix string, limit int) ([]Suggestion, error) {
	if limit == 0 {
		limit = 8
	}
	if limit < 1 || limit > 20 {
		return nil, fieldErr("limit", "limit must be between 1 and 20")
	}
	c := compact(prefix)
	if rs := []rune(c); len(rs) > maxPrefixRunes {
		c = string(rs[:maxPrefixRunes])
	}
	out := []Suggestion{}
	if c == "" || !utf8.ValidString(c) {
		return out, nil
	}
	key := fmt.Sprintf("g|%s|%d", c, limit)
	if out, ok, err := s.cachedSuggestions(ctx, key); ok || err != nil {
		return out, err
	}
	gen, clickGen := s.cache.generation("")
	syn, err := s.synonyms(ctx)
	if err != nil {
		return nil, err
	}
	py := pinyinRE.MatchString(c)
	out = appendUnique(out, keywordSuggestions(syn, c, py, limit), limit)
	err = s.readTx(ctx, func(tx *sqlx.Tx) error {
		qs, err := s.querySuggestions(ctx, tx, c, py, limit)
		if err != nil {
			return err
		}
		out = appendUnique(out, qs, limit)
		ts, err := s.titleSuggestions(ctx, tx, c, py, limit)
		out = appendUnique(out, ts, limit)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.cache.put(key, "", gen, clickGen, out)
	return slices.Clone(out), nil
}

// cachedSuggestions returns cached suggestions whose documents are all
// still public.
func (s *Store) cachedSuggestions(ctx context.Context, key string) ([]Suggestion, bool, error) {
	v, ok := s.cache.get(key)
	if !ok {
		return nil, false, nil
	}
	out := v.([]Suggestion)
	var ids []int64
	for _, g := range out {
		if g.DocID != 0 {
			ids = append(ids, g.DocID)
		}
	}
	public, err := s.stillPublic(ctx, ids)
	if err != nil || !public {
		return nil, false, err
	}
	return slices.Clone(out), true, nil
}

func keywordSuggestions(syn *synonymSet, c string, py bool, limit int) []Suggestion {
	type scored struct {
		term string
		rank int
	}
	var hits []scored
	for _, k := range syn.keywords {
		switch {
		case py && (k.initials == c || k.full == c):
			hits = append(hits, scored{k.term, 0})
		case py && (strings.HasPrefix(k.initials, c) || strings.HasPrefix(k.full, c)):
			hits = append(hits, scored{k.term, 1})
		case !py && strings.HasPrefix(k.term, c):
			hits = append(hits, scored{k.term, 0})
		case !py && strings.Contains(k.term, c):
			hits = append(hits, scored{k.term, 1})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].rank != hits[j].rank {
			return hits[i].rank < hits[j].rank
		}
		return utf8.RuneCountInString(hits[i].term) < utf8.RuneCountInString(hits[j].term)
	})
	var out []Suggestion
	for _, h := range hits[:min(len(hits), limit)] {
		out = append(out, Suggestion{Text: h.term, Kind: SuggestKeyword})
	}
	return out
}

func (s *Store) querySuggestions(ctx context.Context, tx *sqlx.Tx, c string, py bool, limit int) ([]Suggestion, error) {
	q := suggestQueriesSQL
	if py {
		q = suggestPinyinQueriesSQL
	}
	var texts []string
	err := s.selectPrepared(ctx, tx, &texts, q, c, s.opts.MinSources, limit, s.opts.HalfLife.Seconds(), prefixEnd(c))
	if err != nil {
		return nil, fmt.Errorf("search: suggest queries: %w", err)
	}
	out := make([]Suggestion, len(texts))
	for i, t := range texts {
		out[i] = Suggestion{Text: t, Kind: SuggestQuery}
	}
	return out, nil
}

func (s *Store) titleSuggestions(ctx context.Context, tx *sqlx.Tx, c string, py bool, limit int) ([]Suggestion, error) {
	var tsq string
	if py {
		tsq = pinyinQuery(c)
	} else {
		var gs []group
		for _, seg := range segments(c) {
			gs = append(gs, wordGroup(truncate(seg.text, maxToken), seg.han))
		}
		if tsq = joinGroups(gs, ":A", " & "); tsq == "" {
			return nil, nil
		}
	}
	var rows []struct {
		ID    int64  `db:"id"`
		Title string `db:"title"`
	}
	if err := s.selectPrepared(ctx, tx, &rows, suggestTitlesSQL, tsq, c, limit); err != nil {
		return nil, fmt.Errorf("search: suggest titles: %w", err)
	}
	out := make([]Suggestion, len(rows))
	for i, r := range rows {
		out[i] = Suggestion{Text: r.Title, Kind: SuggestTitle, DocID: r.ID}
	}
	return out, nil
}

// prefixEnd is the least string above every string that starts with c (in
// byte order, as text_pattern_ops compares): c with its last rune raised.
func prefixEnd(c string) string {
	rs := []rune(c)
	rs[len(rs)-1]++
	return string(rs)
}

// appendUnique adds suggestions whose compact text is new, up to limit.
func appendUnique(out, more []Suggestion, limit int) []Suggestion {
	seen := map[string]bool{}
	for _, s := range out {
		seen[compact(s.Text)] = true
	}
	for _, s := range more {
		if len(out) >= limit {
			break
		}
		if k := compact(s.Text); !seen[k] {
			seen[k] = true
			out = append(out, s)
		}
	}
	return out
}
