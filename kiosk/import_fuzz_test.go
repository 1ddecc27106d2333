package kiosk

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/govhall/govhall/kiosk/search"
)

// FuzzImportLine reads import lines as Import does before the database
// (decodeLine, then check). A refused line names a field of the import
// format in a *FieldError, or is ErrInvalid when it is no JSON object. An
// accepted line is clean — trimmed, dates that print back as written,
// known values, text PostgreSQL can store — and survives being written
// out and read in again unchanged.
func FuzzImportLine(f *testing.F) {
	demo, err := os.Open("demodata/documents.jsonl")
	if err != nil {
		f.Fatal(err)
	}
	sc := bufio.NewScanner(demo)
	sc.Buffer(nil, maxLine)
	for i := 0; i < 4 && sc.Scan(); i++ {
		// Short bodies: the fuzzer minimises every new input, slowly when long.
		var in Input
		if err := json.Unmarshal(sc.Bytes(), &in); err != nil {
			f.Fatal(err)
		}
		in.Body = string([]rune(in.Body)[:min(40, utf8.RuneCountInString(in.Body))])
		line, _ := json.Marshal(in)
		f.Add(line)
	}
	demo.Close()
	for _, s := range []string{
		`{"index_no":"B/3","title":"t","agency":"沂源县民政局","category":"办事指南","kind":"guide","disclosure":"主动公开","published_at":"2024-13-02"}`,
		`{"index_no":"O/1","doc_number":"沂民发[2019]5号","title":" 旧  办法 ","agency":"沂源县民政局","category":"重点领域/社会救助","kind":"policy","disclosure":"主动公开","published_at":"2019-03-05","validity":"废止","replaced_by":"N/1","body":"旧"}`,
		`{"index_no":"J/1","title":"解读","agency":"a","category":"c","kind":"interpretation","interprets":"N/1","disclosure":"不予公开","withheld_reason":"涉密","state":"draft"}`,
		`{"index_no":"X/1","title":"t","agency":"a","category":"c","kind":"guide","disclosure":"主动公开","published_at":"2024-01-02","topic":"\u0000"}`,
		`{"index_no":7}`, `{"titel":"t"}`, `[]`, `{"index_no":"A\u0000","title":"t"}`, `{"body":"\ud800"}`, `null`,
	} {
		f.Add([]byte(s))
	}
	fields := map[string]bool{}
	for _, sf := range reflect.VisibleFields(reflect.TypeOf(Input{})) {
		fields[strings.Split(sf.Tag.Get("json"), ",")[0]] = true
	}
	s := &Store{docKey: search.DocNumberKey}
	f.Fuzz(func(t *testing.T, line []byte) {
		in, err := decodeLine(line)
		var c checked
		if err == nil {
			c, err = s.check(in)
		}
		if err != nil {
			var fe *FieldError
			switch {
			case errors.As(err, &fe) && (!(fields[fe.Field] || strings.HasPrefix(fe.Msg, "unknown field")) || fe.Msg == "" || !utf8.ValidString(fe.Msg)):
				t.Fatalf("line %q: error %q names no field of the format", line, err)
			case fe == nil && !errors.Is(err, ErrInvalid):
				t.Fatalf("line %q: error %v is not ErrInvalid", line, err)
			}
			return
		}
		checkClean(t, line, c)
		again, err := s.check(c.Input)
		if err != nil || again.Input != c.Input || again.docKey != c.docKey {
			t.Fatalf("line %q: checking the accepted line again gives %+v, %v", line, again.Input, err)
		}
		out, _ := json.Marshal(c.Input)
		in2, err := decodeLine(out)
		if err != nil || in2 != c.Input {
			t.Fatalf("line %q written out as %s reads back as %+v, %v", line, out, in2, err)
		}
	})
}

// checkClean fails t unless an accepted line is ready for the database.
func checkClean(t *testing.T, line []byte, c checked) {
	t.Helper()
	v := reflect.ValueOf(c.Input)
	for i := range v.NumField() {
		s := v.Field(i).String()
		name := v.Type().Field(i).Name
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			t.Fatalf("line %q: %s %q cannot be stored in PostgreSQL text", line, name, s)
		}
		if name != "Body" && s != strings.TrimSpace(s) {
			t.Fatalf("line %q: %s %q is not trimmed", line, name, s)
		}
	}
	for _, d := range []struct {
		text string
		date Date
	}{{c.WrittenAt, c.written}, {c.PublishedAt, c.published}} {
		if d.date.String() != d.text {
			t.Fatalf("line %q: date %q read as %s", line, d.text, d.date)
		}
	}
	if !oneOf(c.Kind, kinds) || !oneOf(c.Validity, validities) || !oneOf(c.Disclosure, disclosures) || !oneOf(c.State, inputStates) {
		t.Fatalf("line %q: accepted values %+v", line, c.Input)
	}
	if c.State == StatePublished && c.published.IsZero() {
		t.Fatalf("line %q: published without a date", line)
	}
	if (c.DocNumber == "") != (c.docKey == "") {
		t.Fatalf("line %q: 文号 %q has key %q", line, c.DocNumber, c.docKey)
	}
}
