package kiosk

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/govhall/govhall/kiosk/search"
)

// importer is one run of Import.
type importer struct {
	s      *Store
	a      Actor
	o      ImportOptions
	inFile map[string]struct{} // 索引号 of the file's lines; nil when it could not be read ahead
	res    ImportResult

	names    importNames
	refLines map[string]int64 // 索引号 → line, of this run's lines with a reference
}

// rawBatch is a batch of lines as read.
type rawBatch struct {
	lines   [][]byte
	nos     []int64 // line numbers
	last    int64   // lines read when the batch was cut
	bytes   int64   // bytes read when the batch was cut
	readErr error   // reading stopped after these lines: they are not written
}

// batch is a batch of lines prepared for writing.
type batch struct {
	lines   []prepared
	first   int64 // line number of its first line
	last    int64
	bytes   int64
	readErr error
}

// prepared is a line after everything that needs no transaction: decoded,
// checked, its agency and category resolved, its search columns computed.
type prepared struct {
	no        int64
	c         checked
	err       error // the line is bad whatever the database holds
	decodeErr bool  // err is from decoding (found while reading, before any check)
	nameErr   error // the agency or category is unknown: reported unless the line is skipped
	agencyID  int64
	category  int64
	cols      search.Columns
}

// readBatches cuts r into batches of n non-blank lines and sends them to
// out, which it closes; it stops early when ctx ends.
func readBatches(ctx context.Context, r io.Reader, n int, out chan<- rawBatch) {
	defer close(out)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	var lines, read int64
	b := rawBatch{}
	send := func() bool {
		b.last, b.bytes = lines, read
		select {
		case out <- b:
			b = rawBatch{}
			return true
		case <-ctx.Done():
			return false
		}
	}
	for sc.Scan() {
		lines++
		read += int64(len(sc.Bytes())) + 1
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		b.lines = append(b.lines, bytes.Clone(line))
		b.nos = append(b.nos, lines)
		if len(b.lines) == n && !send() {
			return
		}
	}
	if err := sc.Err(); err != nil {
		b.readErr = err
	}
	if len(b.lines) > 0 || b.readErr != nil {
		send()
	}
}

// prepareAll prepares the batches from in and sends them to out, which it
// closes.
func (im *importer) prepareAll(ctx context.Context, in <-chan rawBatch, out chan<- *batch) {
	defer close(out)
	for rb := range in {
		b := im.prepare(ctx, rb)
		select {
		case out <- b:
		case <-ctx.Done():
			return
		}
	}
}

// prepare decodes and checks the lines of a batch and computes their search
// columns on all processors; agencies and categories are resolved in
// between, in line order, from a cache.
func (im *importer) prepare(ctx context.Context, rb rawBatch) *batch {
	b := &batch{lines: make([]prepared, len(rb.lines)), last: rb.last, bytes: rb.bytes, readErr: rb.readErr}
	if len(rb.nos) > 0 {
		b.first = rb.nos[0]
	}
	parallel(len(b.lines), func(i int) {
		p := prepared{no: rb.nos[i]}
		in, err := decodeLine(rb.lines[i])
		if err != nil {
			p.err, p.decodeErr = err, true
		} else {
			p.c, p.err = im.s.check(in)
		}
		b.lines[i] = p
	})
	if rb.readErr != nil {
		return b // nothing of it is written
	}
	for i := range b.lines {
		p := &b.lines[i]
		if p.err == nil {
			p.agencyID, p.category, p.nameErr = im.names.resolve(ctx, im.s.db, p.c)
		}
	}
	if bi, ok := im.s.indexer.(BulkIndexer); ok {
		parallel(len(b.lines), func(i int) {
			if p := &b.lines[i]; p.err == nil && p.nameErr == nil {
				p.cols = bi.Columns(im.names.text(p))
			}
		})
	}
	return b
}

// firstReadError is the error that stops the import before the batch is
// written at all: the first line that is no JSON object (found while
// reading, so before anything checked), else a failure to read on.
func (b *batch) firstReadError() error {
	for _, p := range b.lines {
		if p.decodeErr {
			return &LineError{Line: p.no, BatchStart: b.first, Err: p.err}
		}
	}
	if b.readErr != nil {
		return fmt.Errorf("kiosk: read import after line %d: %w", b.last, b.readErr)
	}
	return nil
}

// parallel calls f(0) … f(n-1) on GOMAXPROCS goroutines.
func parallel(n int, f func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				f(i)
			}
		}()
	}
	wg.Wait()
}
