package search

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// indexBatch bounds how many documents Reindex holds in memory at once.
const indexBatch = 1000

// bulkAfter is the batch size from which Reindex lets the GIN pending lists
// take the whole batch and merges them once, in key order, at the end: with
// the default 4 MB limit a 1000-document batch would be merged piecemeal
// dozens of times, which costs several times more.
const bulkAfter = 32

// bulkSettings apply to the rest of the caller's transaction.
const bulkSettings = `SELECT set_config('gin_pending_list_limit', '262144', true),
	set_config('maintenance_work_mem', '256MB', true), set_config('work_mem', '64MB', true)`

// flushPending merges the pending lists into the search indexes, so that
// searches (which scan pending entries one by one, and which the planner
// steers away from an index with a long list) find them empty. It runs when
// the current role may (it must own the indexes; otherwise autovacuum and
// the 4 MB limit bound the lists).
const flushPending = `SELECT gin_clean_pending_list(c.oid)
	FROM unnest(ARRAY[to_regclass('documents_search_all'), to_regclass('documents_search_title')]) AS i(oid)
	JOIN pg_class c ON c.oid = i.oid
	WHERE pg_has_role(c.relowner, 'USAGE')`

// docText is what the indexer reads of a document. Body is empty unless the
// document is 主动公开: the text of 依申请公开 items is not public, so it is
// not searchable either.
type docText struct {
	ID         int64  `db:"id"`
	Title      string `db:"title"`
	DocNumber  string `db:"doc_number"`
	Topic      string `db:"topic"`
	Body       string `db:"body"`
	Agency     string `db:"agency"`
	AgencyFull string `db:"agency_full"`
	Category   string `db:"category"`
	Month      string `db:"month"` // published, YYYY-MM, "" when unknown
}

// vectors are the computed search columns of one document, as tsvector input.
type vectors struct {
	title, all, normTitle string
}

const selectForIndex = `SELECT d.id, d.title, d.doc_number, d.topic,
		CASE WHEN d.disclosure = '主动公开' THEN d.body ELSE '' END AS body,
		a.name AS agency, a.full_name AS agency_full, c.name AS category,
		coalesce(to_char(d.published_at, 'YYYY-MM'), '') AS month
	FROM documents d
	JOIN departments a ON a.id = d.agency_id
	JOIN categories c ON c.id = d.category_id
	WHERE d.id = ANY($1)`

const updateVectors = `UPDATE documents d
	SET search_title = v.t::tsvector, search_all = v.a::tsvector, search_norm_title = v.n
	FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) AS v(id, t, a, n)
	WHERE d.id = v.id`

// Reindex recomputes the search columns of the documents with these ids,
// inside the caller's transaction, so the index commits or rolls back with
// the change. The catalog calls it after every insert or update of a
// document. Text is analysed in Go on all processors. It fails with
// ErrNotFound when an id does not exist.
func (s *Store) Reindex(ctx context.Context, tx *sqlx.Tx, ids []int64) error {
	s.mem.changing(ids) // until the commit is announced, searches here run in PostgreSQL
	defer s.cache.invalidate()
	for len(ids) > 0 {
		n := min(len(ids), indexBatch)
		if err := s.reindexBatch(ctx, tx, ids[:n]); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

func (s *Store) reindexBatch(ctx context.Context, tx *sqlx.Tx, ids []int64) error {
	var docs []docText
	if err := tx.SelectContext(ctx, &docs, selectForIndex, pq.Array(ids)); err != nil {
		return fmt.Errorf("search: read documents to index: %w", err)
	}
	if len(docs) != len(unique(ids)) {
		return fmt.Errorf("%w: %d of %d documents to index exist", ErrNotFound, len(docs), len(unique(ids)))
	}
	vs := s.an.vectorsAll(docs)
	dids := make([]int64, len(docs))
	titles, alls, norms := make([]string, len(docs)), make([]string, len(docs)), make([]string, len(docs))
	for i, d := range docs {
		dids[i], titles[i], alls[i], norms[i] = d.ID, vs[i].title, vs[i].all, vs[i].normTitle
	}
	if len(docs) >= bulkAfter {
		if _, err := tx.ExecContext(ctx, bulkSettings); err != nil {
			return fmt.Errorf("search: bulk settings: %w", err)
		}
	}
	_, err := tx.ExecContext(ctx, updateVectors, pq.Array(dids), pq.Array(titles), pq.Array(alls), pq.Array(norms))
	if err != nil {
		return fmt.Errorf("search: store search vectors: %w", err)
	}
	if _, err := tx.ExecContext(ctx, flushPending); err != nil {
		return fmt.Errorf("search: flush index pending lists: %w", err)
	}
	return nil
}

func unique(ids []int64) map[int64]bool {
	m := make(map[int64]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// vectorsAll analyses documents on all processors.
func (a *analyzer) vectorsAll(docs []docText) []vectors {
	a.segmenter() // load once, before the workers start
	out := make([]vectors, len(docs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(docs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = a.vectors(docs[i])
			}
		}()
	}
	for i := range docs {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// vectors computes the search columns of one document.
func (a *analyzer) vectors(d docText) vectors {
	all := getLexemeSet(len(d.Body) / 6) // distinct grams: about one per 2 characters of real text, fewer in repetitive text
	defer putLexemeSet(all)
	for _, t := range []string{d.Title, d.DocNumber, d.Topic, d.Agency, d.AgencyFull, d.Category, d.Body} {
		all.add(t)
	}
	var b strings.Builder
	b.Grow(all.han.len()*9 + 16)
	all.writeQuoted(&b)
	for _, l := range dateLexemes(d.Month) {
		b.WriteString(quoteLexeme(l))
		b.WriteByte(' ')
	}
	return vectors{title: a.titleVector(d), all: b.String(), normTitle: compact(d.Title)}
}

// dateLexemes mark when a document was published: "#2024" and "#2024-03",
// or "#0" when unknown. Searches walk these buckets newest first (the
// months of the newest year, then whole years), ANDing the marker to the
// query: GIN then skips through a common word's posting list by the small
// bucket list instead of building a bitmap of every match, and the capped
// candidate set is the newest matches, not arbitrary ones. No text lexeme
// starts with "#".
func dateLexemes(month string) []string {
	if len(month) != len("2006-01") {
		return []string{"#0"}
	}
	return []string{"#" + month[:4], "#" + month}
}

// titleVector weighs the title A, topic and 文号 B, agency and category C;
// pinyin lexemes of the title are A. A lexeme takes the first weight it
// has.
func (a *analyzer) titleVector(d docText) string {
	var sets [3]*lexemeSet
	for i, texts := range [][]string{{d.Title}, {d.Topic, d.DocNumber}, {d.Agency, d.AgencyFull, d.Category}} {
		sets[i] = getLexemeSet(64)
		defer putLexemeSet(sets[i])
		for _, t := range texts {
			sets[i].add(t)
		}
	}
	var b strings.Builder
	weigh := func(w byte) { b.WriteString(":1"); b.WriteByte(w); b.WriteByte(' ') }
	for i, set := range sets {
		w := byte('A' + i)
		set.han.each(func(k uint64) {
			for _, earlier := range sets[:i] {
				if earlier.han.has(k) {
					return
				}
			}
			b.WriteByte('\'') // Han characters need no escapes
			b.Write(gramBytes(make([]byte, 0, 8), k))
			b.WriteByte('\'')
			weigh(w)
		})
	tokens:
		for t := range set.tokens {
			for _, earlier := range sets[:i] {
				if _, ok := earlier.tokens[t]; ok {
					continue tokens
				}
			}
			b.WriteString(quoteLexeme(t))
			weigh(w)
		}
	}
	pinyin := map[string]bool{} // "p:…" and "i:…" meet no other lexeme, but may repeat
	a.titlePinyin(d.Title, func(l string) {
		if !pinyin[l] {
			pinyin[l] = true
			b.WriteString(quoteLexeme(l))
			weigh('A')
		}
	})
	for _, l := range dateLexemes(d.Month) {
		b.WriteString(quoteLexeme(l))
		weigh('D')
	}
	return b.String()
}

// Pinyin lexemes are capped: nobody types more on an A–Z keyboard.
const (
	maxPinyin   = 48
	maxInitials = 24
)

// titlePinyin emits the full pinyin ("p:…") and initials ("i:…") of the
// title from every word start to the end of its Han run, so a prefix typed
// from any word matches: 关于调整城乡低保标准的通知 gives i:dbbzdtz, p:dibao….
func (a *analyzer) titlePinyin(title string, emit func(string)) {
	for _, seg := range segments(normalize(title)) {
		if !seg.han {
			continue
		}
		syl := a.py.syllables([]rune(seg.text))
		for _, start := range a.wordStarts(seg.text) {
			var full, ini strings.Builder
			for _, s := range syl[start:] {
				if s != "" {
					full.WriteString(s)
					ini.WriteByte(s[0])
				}
			}
			if full.Len() > 0 {
				emit("p:" + truncate(full.String(), maxPinyin))
				emit("i:" + truncate(ini.String(), maxInitials))
			}
		}
	}
}
