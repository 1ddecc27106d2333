package search

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/jmoiron/sqlx"
)

// vectorRow is a document's search vectors as text, numbered in the index.
type vectorRow struct {
	n          uint32
	title, all string
}

// loadBatch is how many documents' vectors go to a worker at once.
const loadBatch = 256

// loadVectors reads every public document's search vectors into x. The
// connection's rows are decoded here while workers (one per core, at most
// four) parse every vector and each collects its share of the lexemes (by a
// hash) into a builder of its own; the shares are disjoint, so merging them
// into x's at the end costs one map insertion a lexeme. Collecting the
// lexemes is most of a load's CPU, and splitting the documents instead would
// make every worker's map as large as the whole.
func loadVectors(ctx context.Context, tx *sqlx.Tx, x *memIndex) error {
	workers := min(4, runtime.GOMAXPROCS(0))
	batches := make(chan []vectorRow, workers)
	parts := make([]*memBuilder, workers)
	outs := make([]chan []vectorRow, workers)
	var wg sync.WaitGroup
	for w := range parts {
		b := &memBuilder{all: postingBuilder{}, title: postingBuilder{}, titleA: postingBuilder{}, py: postingBuilder{}}
		parts[w] = b
		ch := make(chan []vectorRow, 2)
		outs[w] = ch
		wg.Go(func() {
			for batch := range ch {
				for _, r := range batch {
					b.addVectorsPart(r.n, r.title, r.all, w, workers)
				}
			}
		})
	}
	go func() { // every worker parses every batch and keeps its share of the lexemes
		for batch := range batches {
			for _, ch := range outs {
				ch <- batch
			}
		}
		for _, ch := range outs {
			close(ch)
		}
	}()
	err := readVectors(ctx, tx, x, batches)
	close(batches)
	wg.Wait()
	if err != nil {
		return err
	}
	for _, b := range parts {
		x.build.merge(b)
	}
	return nil
}

func readVectors(ctx context.Context, tx *sqlx.Tx, x *memIndex, batches chan<- []vectorRow) error {
	cur, err := tx.QueryxContext(ctx, memVectorsSQL)
	if err != nil {
		return fmt.Errorf("search: read search vectors: %w", err)
	}
	defer cur.Close()
	batch := make([]vectorRow, 0, loadBatch)
	for cur.Next() {
		var id int64
		var r vectorRow
		if err := cur.Scan(&id, &r.title, &r.all); err != nil {
			return fmt.Errorf("search: read search vectors: %w", err)
		}
		n, ok := x.byID[id]
		if !ok {
			continue
		}
		r.n = n
		if batch = append(batch, r); len(batch) == loadBatch {
			batches <- batch
			batch = make([]vectorRow, 0, loadBatch)
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("search: read search vectors: %w", err)
	}
	if len(batch) > 0 {
		batches <- batch
	}
	return nil
}

// merge moves what o collected into b (o is spent).
func (b *memBuilder) merge(o *memBuilder) {
	b.all.merge(o.all)
	b.title.merge(o.title)
	b.titleA.merge(o.titleA)
	b.py.merge(o.py)
}

func (m postingBuilder) merge(o postingBuilder) {
	for k, p := range o {
		if q, ok := m[k]; ok {
			*q = append(*q, *p...)
		} else {
			m[k] = p
		}
	}
}

// lexemePart is the worker of parts that collects lexeme l.
func lexemePart(l string, parts int) int {
	h := uint32(len(l))
	for i := 0; i < len(l) && i < 8; i++ {
		h = h*31 + uint32(l[len(l)-1-i])
	}
	return int(h % uint32(parts))
}
