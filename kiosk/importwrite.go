package kiosk

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// importRow is a line to insert. Its id is taken from the sequence before
// the rows are copied, so that lines of one batch can name each other.
type importRow struct {
	*prepared
	id, agency             int64
	code                   string
	replacedBy, interprets ref
}

// ref is where a replaced_by or interprets points.
type ref struct {
	id      int64  // a document that exists
	inBatch string // else the 索引号 of a line of this batch
	later   string // else the 索引号 of a line further down the file
}

// write imports one batch in one transaction: it returns how many lines it
// inserted and skipped, or the *LineError of its first bad line.
func (im *importer) write(ctx context.Context, b *batch) (int64, int64, error) {
	tx, err := im.s.db.BeginTxx(ctx, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("kiosk: import batch: %w", err)
	}
	defer tx.Rollback()
	known, err := knownIndexNos(ctx, tx, b)
	if err != nil {
		return 0, 0, err
	}
	rows, skipped, err := im.plan(b, known)
	if err != nil {
		return 0, 0, err
	}
	n, err := im.insert(ctx, tx, b, rows)
	if err != nil {
		return 0, 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, 0, fmt.Errorf("kiosk: commit import batch: %w", err)
	}
	return n, skipped + int64(len(rows)) - n, nil
}

// knownIndexNos returns the ids of the documents that exist among the
// batch's 索引号 and those its lines refer to.
func knownIndexNos(ctx context.Context, tx *sqlx.Tx, b *batch) (map[string]int64, error) {
	var nos []string
	for _, p := range b.lines {
		if p.err == nil {
			nos = append(nos, p.c.IndexNo)
			for _, r := range []string{p.c.ReplacedBy, p.c.Interprets} {
				if r != "" {
					nos = append(nos, r)
				}
			}
		}
	}
	var found []struct {
		ID      int64  `db:"id"`
		IndexNo string `db:"index_no"`
	}
	if err := tx.SelectContext(ctx, &found, `SELECT id, index_no FROM documents WHERE index_no = ANY($1)`, pq.Array(nos)); err != nil {
		return nil, fmt.Errorf("kiosk: look up imported 索引号: %w", err)
	}
	known := make(map[string]int64, len(found))
	for _, f := range found {
		known[f.IndexNo] = f.ID
	}
	return known, nil
}

// plan goes through the lines in order, as a line-by-line import would: a
// bad line, a skipped existing one (skipping comes before resolving its
// names), an unknown agency or category, a reference to no document, a
// 索引号 already taken. It returns the rows to insert and the lines skipped.
func (im *importer) plan(b *batch, known map[string]int64) ([]importRow, int64, error) {
	inBatch := map[string]bool{}
	for _, p := range b.lines {
		if p.err == nil {
			inBatch[p.c.IndexNo] = true
		}
	}
	taken := map[string]bool{}
	rows := make([]importRow, 0, len(b.lines))
	var skipped int64
	for i := range b.lines {
		p := &b.lines[i]
		fail := func(err error) error { return &LineError{Line: p.no, BatchStart: b.first, Err: err} }
		if p.err != nil {
			return nil, 0, fail(p.err)
		}
		_, exists := known[p.c.IndexNo]
		exists = exists || taken[p.c.IndexNo]
		if exists && im.o.SkipExisting {
			im.noteReferences(p)
			skipped++
			continue
		}
		if p.nameErr != nil {
			return nil, 0, fail(p.nameErr)
		}
		row := importRow{prepared: p, agency: p.agencyID}
		var err error
		if row.replacedBy, err = im.ref("replaced_by", p.c.ReplacedBy, known, inBatch); err != nil {
			return nil, 0, fail(err)
		}
		if row.interprets, err = im.ref("interprets", p.c.Interprets, known, inBatch); err != nil {
			return nil, 0, fail(err)
		}
		if exists {
			return nil, 0, fail(fieldErr("index_no", "索引号 %s 已存在；索引号唯一且不能重复使用", p.c.IndexNo))
		}
		im.noteReferences(p)
		taken[p.c.IndexNo] = true
		rows = append(rows, row)
	}
	return rows, skipped, nil
}

// ref resolves a replaced_by or interprets: a document that exists, a line
// of this batch, a line further down the file, or none (a *FieldError).
func (im *importer) ref(field, indexNo string, known map[string]int64, inBatch map[string]bool) (ref, error) {
	_, later := im.inFile[indexNo]
	switch id, ok := known[indexNo]; {
	case indexNo == "":
		return ref{}, nil
	case ok:
		return ref{id: id}, nil
	case inBatch[indexNo]:
		return ref{inBatch: indexNo}, nil
	case later:
		return ref{later: indexNo}, nil
	}
	return ref{}, fieldErr(field, "没有索引号为“%s”的文件（须已存在，或在同一导入文件中）", indexNo)
}

// noteReferences remembers the line of a document that names another, for
// the report of references that never resolve.
func (im *importer) noteReferences(p *prepared) {
	if p.c.ReplacedBy != "" || p.c.Interprets != "" {
		im.refLines[p.c.IndexNo] = p.no
	}
}
