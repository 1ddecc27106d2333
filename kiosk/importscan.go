package kiosk

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// fileIndexNos reads an import file ahead, before anything is written, and
// returns the 索引号 of its lines, so that a replaced_by or interprets
// naming a document further down the file is known to be a forward
// reference rather than a mistake. r is rewound to where it was. Lines that
// are not JSON objects are passed over (the import reports them when it
// gets there), and reading stops early at a line too long to read.
func fileIndexNos(r io.ReadSeeker) (map[string]struct{}, error) {
	start, err := r.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, fmt.Errorf("kiosk: read import ahead: %w", err)
	}
	set := map[string]struct{}{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	for sc.Scan() {
		if no, ok := indexNoOf(sc.Bytes()); ok && no != "" {
			set[no] = struct{}{}
		}
	}
	if _, err := r.Seek(start, io.SeekStart); err != nil {
		return nil, fmt.Errorf("kiosk: rewind import: %w", err)
	}
	return set, nil
}

// indexNoOf returns the index_no of an import line as decodeLine and check
// would read it (trimmed), without decoding the rest of the line: the
// top-level members are walked and string values skipped by searching for
// their closing quote. Whatever is not plainly written (escapes in a key
// or in the index_no, nested values) is decoded in full instead.
func indexNoOf(line []byte) (string, bool) {
	if no, ok, plain := scanIndexNo(line); plain {
		return no, ok
	}
	var v struct {
		IndexNo *string `json:"index_no"`
	}
	if json.NewDecoder(bytes.NewReader(line)).Decode(&v) != nil || v.IndexNo == nil {
		return "", false
	}
	return strings.TrimSpace(*v.IndexNo), true
}

// scanIndexNo is the quick walk of indexNoOf; plain is false when the line
// needs a full decode to be read the same way.
func scanIndexNo(line []byte) (no string, ok, plain bool) {
	i := skipSpace(line, 0)
	if i == len(line) || line[i] != '{' {
		return "", false, false
	}
	i = skipSpace(line, i+1)
	if i < len(line) && line[i] == '}' {
		return "", false, true
	}
	for {
		key, next, keyPlain := plainString(line, i)
		if !keyPlain {
			return "", false, false
		}
		i = skipSpace(line, next)
		if i == len(line) || line[i] != ':' {
			return "", false, false
		}
		i = skipSpace(line, i+1)
		if bytes.EqualFold(key, []byte("index_no")) { // encoding/json matches names so
			v, next, valPlain := plainString(line, i)
			if !valPlain || !utf8.Valid(v) {
				return "", false, false
			}
			no, ok, i = strings.TrimSpace(string(v)), true, next
		} else if i = skipValue(line, i); i < 0 {
			return "", false, false
		}
		i = skipSpace(line, i)
		switch {
		case i < len(line) && line[i] == ',':
			i = skipSpace(line, i+1)
		case i < len(line) && line[i] == '}':
			return no, ok, true // what follows the object is not read, as by decodeLine
		default:
			return "", false, false
		}
	}
}

// plainString reads the JSON string starting at line[i]; plain is false
// when it is no string or holds an escape.
func plainString(line []byte, i int) (s []byte, next int, plain bool) {
	if i >= len(line) || line[i] != '"' {
		return nil, 0, false
	}
	end := bytes.IndexByte(line[i+1:], '"')
	if end < 0 {
		return nil, 0, false
	}
	s = line[i+1 : i+1+end]
	return s, i + end + 2, bytes.IndexByte(s, '\\') < 0
}

// skipValue returns the index after the string or literal (number, true,
// false, null) at line[i], or -1 for an object, an array or a broken string.
func skipValue(line []byte, i int) int {
	if i >= len(line) {
		return -1
	}
	switch line[i] {
	case '"':
		for j := i + 1; ; {
			k := bytes.IndexByte(line[j:], '"')
			if k < 0 {
				return -1
			}
			j += k
			if !escaped(line, j) {
				return j + 1
			}
			j++
		}
	case '{', '[':
		return -1
	}
	j := i
	for j < len(line) && line[j] != ',' && line[j] != '}' && !isSpace(line[j]) {
		j++
	}
	return j
}

// escaped reports whether the quote at line[j] follows an odd number of
// backslashes.
func escaped(line []byte, j int) bool {
	n := 0
	for j-n-1 >= 0 && line[j-n-1] == '\\' {
		n++
	}
	return n%2 == 1
}

func skipSpace(line []byte, i int) int {
	for i < len(line) && isSpace(line[i]) {
		i++
	}
	return i
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }
