package search

import (
	"context"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strconv"
	"strings"
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

const memAgenciesSQL = `SELECT id, code, name, full_name FROM departments ORDER BY id`

const memCategoriesSQL = `SELECT id, name, path FROM categories ORDER BY id`

const memDocsSQL = `SELECT d.id, d.index_no, d.code, d.doc_number, d.doc_number_key, d.title, d.search_norm_title,
		d.agency_id, d.category_id, coalesce(to_char(d.published_at, 'YYYY-MM-DD'), '') AS published,
		d.validity, d.kind`

// memVectorsSQL reads the stored search vectors as text (their lexemes are
// what the SQL search matches).
const memVectorsSQL = `SELECT d.id, d.search_title::text, d.search_all::text FROM public_documents d`

// loadMeta reads departments and categories, keeping the positions of
// those already known (documents refer to them by position).
func loadMeta(ctx context.Context, q sqlx.QueryerContext, old *memMeta) (*memMeta, error) {
	var as []agencyMeta
	if err := sqlx.SelectContext(ctx, q, &as, memAgenciesSQL); err != nil {
		return nil, fmt.Errorf("search: read departments: %w", err)
	}
	var cs []categoryMeta
	if err := sqlx.SelectContext(ctx, q, &cs, memCategoriesSQL); err != nil {
		return nil, fmt.Errorf("search: read categories: %w", err)
	}
	if old == nil {
		old = &memMeta{}
	}
	meta := &memMeta{}
	meta.agencies, meta.agencyPos = placed(old.agencies, old.agencyPos, as, func(a agencyMeta) int64 { return a.ID })
	meta.categories, meta.catPos = placed(old.categories, old.catPos, cs, func(c categoryMeta) int64 { return c.ID })
	return meta, nil
}

// placed puts rows at the positions their ids had in list (by pos), new ids
// at the end, on copies of both.
func placed[T any](list []T, pos map[int64]int32, rows []T, id func(T) int64) ([]T, map[int64]int32) {
	list, pos = slices.Clone(list), maps.Clone(pos)
	if pos == nil {
		pos = map[int64]int32{}
	}
	for _, r := range rows {
		if p, ok := pos[id(r)]; ok {
			list[p] = r
		} else {
			pos[id(r)] = int32(len(list))
			list = append(list, r)
		}
	}
	return list, pos
}

// docRow is a row of memDocsSQL, with the vectors when they are read along.
type docRow struct {
	ID          int64  `db:"id"`
	IndexNo     string `db:"index_no"`
	Code        string `db:"code"`
	DocNumber   string `db:"doc_number"`
	DocKey      string `db:"doc_number_key"`
	Title       string `db:"title"`
	NormTitle   string `db:"search_norm_title"`
	AgencyID    int64  `db:"agency_id"`
	CategoryID  int64  `db:"category_id"`
	Published   string `db:"published"`
	Validity    string `db:"validity"`
	Kind        string `db:"kind"`
	TitleVector string `db:"title_vector"`
	AllVector   string `db:"all_vector"`
}

// doc turns a row into a memDoc; it fails for a department or category the
// metadata does not know yet.
func (r *docRow) doc(meta *memMeta) (memDoc, bool) {
	ap, ok1 := meta.agencyPos[r.AgencyID]
	cp, ok2 := meta.catPos[r.CategoryID]
	d := memDoc{id: r.ID, indexNo: r.IndexNo, code: r.Code, docNumber: r.DocNumber, docKey: r.DocKey,
		title: r.Title, normTitle: r.NormTitle, published: r.Published, validity: r.Validity, kind: r.Kind,
		titleVector: r.TitleVector, allVector: r.AllVector, agencyPos: ap, categoryPos: cp,
		validityPos: namePos(validityNames, r.Validity), kindPos: namePos(kindNames, r.Kind), current: r.Validity == "有效"}
	if r.DocKey != "" {
		d.yearNum = yearNumber(r.DocKey)
	}
	if len(r.Published) >= 4 {
		d.year, _ = strconv.Atoi(r.Published[:4])
	}
	return d, ok1 && ok2
}

// yearNumber is search_year_number of migrations/0004_search.sql.
func yearNumber(key string) string {
	parts := strings.SplitN(key, "|", 4)
	for len(parts) < 3 {
		parts = append(parts, "")
	}
	return parts[1] + "|" + parts[2]
}
