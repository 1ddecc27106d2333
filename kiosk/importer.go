package kiosk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
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
// Without BatchStart it is a reference that never resolved: the line was
// imported without it.
type LineError struct {
	Line       int64
	BatchStart int64
	Err        error
}

func (e *LineError) Error() string {
	var fe *FieldError
	if errors.As(e.Err, &fe) && e.BatchStart == 0 {
		return fmt.Sprintf("line %d, field %s: %s (the line was imported without this link)", e.Line, fe.Field, fe.Msg)
	}
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
// recorded in the audit log as imported.
//
// Lines are decoded, checked and analysed for search on all processors
// while the previous batch is written; a batch is copied into a staging
// table and inserted with one statement. When r can seek (a file), it is
// read ahead once for its 索引号, so that replaced_by and interprets may
// name a document further down the file: such links are set after the
// last batch (see resolveReferences). Memory use does not grow with the
// file, apart from that set of 索引号: a few batches are held at a time.
func (s *Store) Import(ctx context.Context, a Actor, r io.Reader, o ImportOptions) (ImportResult, error) {
	if o.BatchSize <= 0 {
		o.BatchSize = 1000
	}
	im := &importer{s: s, a: a, o: o, refLines: map[string]int64{}}
	if rs, ok := r.(io.ReadSeeker); ok {
		var err error
		if im.inFile, err = fileIndexNos(rs); err != nil {
			return ImportResult{}, err
		}
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Unbuffered: one batch is read ahead, one prepared and one written.
	raw := make(chan rawBatch)
	prepared := make(chan *batch)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); readBatches(wctx, r, o.BatchSize, raw) }()
	go func() { defer wg.Done(); im.prepareAll(wctx, raw, prepared) }()
	err := im.writeAll(wctx, prepared)
	cancel() // the reader and preparer stop early after an error
	wg.Wait()
	if ctx.Err() == nil {
		if rerr := im.resolveReferences(ctx, err == nil); err == nil {
			err = rerr
		}
	}
	return im.res, err
}

// writeAll writes the prepared batches in order until the first error.
func (im *importer) writeAll(ctx context.Context, prepared <-chan *batch) error {
	for b := range prepared {
		im.res.Lines = b.last
		if err := b.firstReadError(); err != nil {
			if le, ok := err.(*LineError); ok {
				im.res.Lines = le.Line
			}
			return err
		}
		if len(b.lines) == 0 {
			continue
		}
		n, skipped, err := im.write(ctx, b)
		if err != nil {
			return err
		}
		im.res.Imported += n
		im.res.Skipped += skipped
		im.res.Batches++
		if im.o.Progress != nil {
			im.o.Progress(im.res.Lines, b.bytes)
		}
	}
	return ctx.Err()
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
