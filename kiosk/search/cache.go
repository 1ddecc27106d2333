package search

import (
	"container/list"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/lib/pq"
)

// resultCache keeps recent results for a short time: kiosks ask the same
// few things (低保, 医保, 公积金) over and over. An entry is dropped when it
// is older than the TTL, when any document was reindexed or the synonyms
// changed since (the generation), or when a result of its query was opened
// or printed since (the query's click generation). A hit is checked
// against public_documents before it is served (stillPublic), unless the
// in-memory index is live and fresh, so a document withheld after it was
// cached comes back from here for at most a second (and, while this node
// follows the database, for a few milliseconds).
type resultCache struct {
	mu        sync.Mutex
	ttl       time.Duration
	size      int
	gen       uint64
	clickGen  map[string]uint64
	lru       *list.List
	entries   map[string]*list.Element
	clickGens uint64
}

type cacheEntry struct {
	key, qkey     string
	gen, clickGen uint64
	at            time.Time
	val           any
}

// maxClickKeys bounds the per-query click generations kept; beyond it they
// are forgotten and the whole cache is invalidated instead.
const maxClickKeys = 10000

func newResultCache(ttl time.Duration, size int) *resultCache {
	return &resultCache{ttl: ttl, size: size, clickGen: map[string]uint64{}, lru: list.New(), entries: map[string]*list.Element{}}
}

// get returns a fresh entry.
func (c *resultCache) get(key string) (any, bool) {
	if c.ttl <= 0 {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		return nil, false
	}
	e := el.Value.(*cacheEntry)
	if e.gen != c.gen || e.clickGen != c.clickGen[e.qkey] || time.Since(e.at) > c.ttl {
		c.lru.Remove(el)
		delete(c.entries, key)
		return nil, false
	}
	c.lru.MoveToFront(el)
	return e.val, true
}

// generation returns the current generations for an entry about to be
// computed; put stores it only if nothing changed meanwhile.
func (c *resultCache) generation(qkey string) (uint64, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen, c.clickGen[qkey]
}

func (c *resultCache) put(key, qkey string, gen, clickGen uint64, val any) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen || clickGen != c.clickGen[qkey] {
		return
	}
	if el, ok := c.entries[key]; ok {
		c.lru.Remove(el)
	}
	c.entries[key] = c.lru.PushFront(&cacheEntry{key: key, qkey: qkey, gen: gen, clickGen: clickGen, at: time.Now(), val: val})
	for c.lru.Len() > c.size {
		old := c.lru.Back()
		c.lru.Remove(old)
		delete(c.entries, old.Value.(*cacheEntry).key)
	}
}

// invalidate drops everything (documents reindexed, synonyms changed).
func (c *resultCache) invalidate() {
	c.mu.Lock()
	c.gen++
	c.mu.Unlock()
}

// clicked drops the entries of one query (its ranking learned something).
func (c *resultCache) clicked(qkey string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.clickGen) >= maxClickKeys {
		c.clickGen = map[string]uint64{}
		c.gen++
	}
	c.clickGens++
	c.clickGen[qkey] = c.clickGens
}

// stillPublic reports whether cached documents may still be shown: at once
// while the in-memory index is live and fresh (every change announced drops
// the cached results; a change of this process makes it not live until
// announced; a mark came back within the last second, so a withholding
// committed elsewhere is announced here within that bound), otherwise by
// asking public_documents.
func (s *Store) stillPublic(ctx context.Context, ids []int64) (bool, error) {
	if s.mem.live() != nil && s.mem.fresh() {
		return true, nil
	}
	return s.allPublic(ctx, ids)
}

// allPublic reports whether every id is still in public_documents.
func (s *Store) allPublic(ctx context.Context, ids []int64) (bool, error) {
	if len(ids) == 0 {
		return true, nil
	}
	var n int
	const q = `SELECT count(*) FROM public_documents WHERE id = ANY($1)`
	stmt, err := s.prepared(ctx, q)
	if err != nil {
		return false, err
	}
	if err := stmt.GetContext(ctx, &n, pq.Array(ids)); err != nil {
		return false, fmt.Errorf("search: check cached results: %w", err)
	}
	return n == len(unique(ids)), nil
}

// resultIDs are the documents a result shows: hits and their replacements.
func resultIDs(res Result) []int64 {
	var ids []int64
	for _, h := range res.Items {
		ids = append(ids, h.ID)
		if h.ReplacedBy != nil {
			ids = append(ids, h.ReplacedBy.ID)
		}
	}
	return ids
}
