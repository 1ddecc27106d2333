package kiosk

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// ImportOptions tune Import.
type ImportOptions struct {
	BatchSize    int                      // lines per transaction; default 1000
	SkipExisting bool                     // skip lines whose 索引号 exists (to resume after a failure)
	Progress     func(lines, bytes int64) // called after each committed batch
}

// ImportResult summarises an import.
type ImportResult struct {
	Lines    int64 `json:"lines"`
	Imported int64 `json:"imported"`
	Skipped  int64 `json:"skipped"`
	Batches  int64 `json:"batches"`
}

// LineError is a rejected import line: the batch it was in was rolled back.
type LineError struct {
	Line       int64
	BatchStart int64
	Err        error
}

func (e *LineError) Error() string {
	var fe *FieldError
	if errors.As(e.Err, &fe) {
		return fmt.Sprintf("line %d, field %s: %s (lines %d–%d of that batch were not imported)", e.Line, fe.Field, fe.Msg, e.BatchStart, e.Line)
	}
	return fmt.Sprintf("line %d: %v (lines %d–%d of that batch were not imported)", e.Line, e.Err, e.BatchStart, e.Line)
}

func (e *LineError) Unwrap() error { return e.Err }

// maxLine is the longest accepted import line (a document body of a few MB).
const maxLine = 16 << 20

// Import reads JSON Lines documents from r in the contract's format and
// writes them in batches, each batch in one transaction: a bad line rolls
// back its whole batch and stops the import with a *LineError naming the
// line and field; batches before it stay committed. Published lines are
// recorded in the audit log as imported. Memory use does not grow with the
// file: one batch is held at a time.
func (s *Store) Import(ctx context.Context, a Actor, r io.Reader, o ImportOptions) (ImportResult, error) {
	if o.BatchSize <= 0 {
		o.BatchSize = 1000
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	var res ImportResult
	var readBytes int64
	batch := make([]numbered, 0, o.BatchSize)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		n, skipped, err := s.importBatch(ctx, a, batch, o.SkipExisting)
		if err != nil {
			return err
		}
		res.Imported += n
		res.Skipped += skipped
		res.Batches++
		batch = batch[:0]
		if o.Progress != nil {
			o.Progress(res.Lines, readBytes)
		}
		return nil
	}
	for sc.Scan() {
		res.Lines++
		readBytes += int64(len(sc.Bytes())) + 1
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		in, err := decodeLine(line)
		if err != nil {
			return res, &LineError{Line: res.Lines, BatchStart: batchStart(batch, res.Lines), Err: err}
		}
		batch = append(batch, numbered{line: res.Lines, in: in})
		if len(batch) == o.BatchSize {
			if err := flush(); err != nil {
				return res, err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return res, fmt.Errorf("kiosk: read import after line %d: %w", res.Lines, err)
	}
	return res, flush()
}

type numbered struct {
	line int64
	in   Input
}

func batchStart(b []numbered, cur int64) int64 {
	if len(b) == 0 {
		return cur
	}
	return b[0].line
}

func decodeLine(line []byte) (Input, error) {
	var in Input
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field == "" {
			return in, fmt.Errorf("%w: a line must be a JSON object {…}, not a JSON %s", ErrInvalid, te.Value)
		}
		if errors.As(err, &te) {
			return in, fieldErr(te.Field, "must be a JSON %s", te.Type)
		}
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return in, fieldErr(strings.Trim(f, `"`), "unknown field (see the import format in README.md)")
		}
		return in, fmt.Errorf("%w: not a JSON object: %v", ErrInvalid, err)
	}
	return in, nil
}

func (s *Store) importBatch(ctx context.Context, a Actor, batch []numbered, skipExisting bool) (int64, int64, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("kiosk: import batch: %w", err)
	}
	defer tx.Rollback()
	res := newResolver(tx)
	ids := make([]int64, 0, len(batch))
	var skipped int64
	for _, nl := range batch {
		id, err := s.importLine(ctx, tx, res, a, nl.in, skipExisting)
		if err != nil {
			return 0, 0, &LineError{Line: nl.line, BatchStart: batch[0].line, Err: err}
		}
		if id == 0 {
			skipped++
			continue
		}
		ids = append(ids, id)
	}
	if err := s.importFinish(ctx, tx, a, ids); err != nil {
		return 0, 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, 0, fmt.Errorf("kiosk: commit import batch: %w", err)
	}
	return int64(len(ids)), skipped, nil
}

// importLine writes one line; it returns id 0 for a skipped existing line.
func (s *Store) importLine(ctx context.Context, tx *sqlx.Tx, r *resolver, a Actor, in Input, skipExisting bool) (int64, error) {
	c, err := s.check(in)
	if err != nil {
		return 0, err
	}
	if skipExisting {
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM documents WHERE index_no = $1`, c.IndexNo); err != nil {
			return 0, fmt.Errorf("kiosk: check existing: %w", err)
		}
		if n > 0 {
			return 0, nil
		}
	}
	w, err := r.resolve(ctx, c)
	if err != nil {
		return 0, err
	}
	return insertRow(ctx, tx, w, a.AccountID)
}

func (s *Store) importFinish(ctx context.Context, tx *sqlx.Tx, a Actor, ids []int64) error {
	if len(ids) > 0 && s.indexer != nil {
		if err := s.indexer.Reindex(ctx, tx, ids); err != nil {
			return fmt.Errorf("kiosk: index imported documents: %w", err)
		}
	}
	const q = `INSERT INTO audit_log (account_id, actor, ip, action, object_type, object_id, detail)
		SELECT NULLIF($1, 0), $2, $3, 'document.import', 'document', id::text,
			jsonb_build_object('imported', true, 'index_no', index_no, 'state', state, 'note',
				CASE state WHEN 'published' THEN '导入时已发布，审查记录在原系统' ELSE '导入为草稿，发布前须经审查' END)
		FROM documents WHERE id = ANY($4::bigint[])`
	if _, err := tx.ExecContext(ctx, q, a.AccountID, a.Username, a.IP, pq.Array(ids)); err != nil {
		return fmt.Errorf("kiosk: audit import: %w", err)
	}
	return nil
}
