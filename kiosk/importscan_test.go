package kiosk

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestIndexNoOf(t *testing.T) {
	tests := []struct {
		line string
		want string
		ok   bool
	}{
		{`{"index_no":"A/1","title":"t"}`, "A/1", true},
		{` { "title" : "含\"index_no\":\"X\"的标题" , "index_no" : " B/2 " } `, "B/2", true},
		{`{"body":"结尾是反斜杠\\","index_no":"C/3"}`, "C/3", true},
		{`{"body":"\\\"index_no\":\"no\"","index_no":"D/4"}`, "D/4", true},
		{`{"index_no":"E/5","index_no":"E/6"}`, "E/6", true}, // the last one, as encoding/json
		{`{"INDEX_NO":"F/7"}`, "F/7", true},                  // names match case-blind
		{`{"index_no":"G\u002f8"}`, "G/8", true},             // escapes are decoded in full
		{`{"topic":null,"n":12,"b":true,"index_no":"H/9"}`, "H/9", true},
		{`{"x":{"index_no":"nested"},"index_no":"I/10"}`, "I/10", true},
		{`{"index_no":"J/11"} trailing`, "J/11", true},
		{`{"title":"no number"}`, "", false},
		{`{"index_no":7}`, "", false},
		{`["index_no","K"]`, "", false},
		{`{"index_no":"L`, "", false},
		{``, "", false},
	}
	for _, tt := range tests {
		got, ok := indexNoOf([]byte(tt.line))
		if got != tt.want || ok != tt.ok {
			t.Errorf("indexNoOf(%s) = %q, %v; want %q, %v", tt.line, got, ok, tt.want, tt.ok)
		}
	}
}

// FuzzIndexNoOf: reading ahead finds the 索引号 decodeLine and check give a
// line (trimmed), whatever else the line holds.
func FuzzIndexNoOf(f *testing.F) {
	for _, s := range []string{`{"index_no":"A/1","title":"t"}`, `{"body":"\\\"index_no\":\"no\"","index_no":"D/4"}`,
		`{"index_no":"E/5","INDEX_NO":"E/6"}`, `{"a":[1,{"index_no":"x"}],"index_no":" y "}`, `{"index_no":"\ud800"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		got, ok := indexNoOf(line)
		in, err := decodeLine(bytes.TrimSpace(line))
		if err != nil {
			return // the import stops at such a line; what was read ahead does not matter
		}
		var present struct {
			IndexNo *string `json:"index_no"`
		}
		json.NewDecoder(bytes.NewReader(line)).Decode(&present)
		want := strings.TrimSpace(in.IndexNo)
		if ok != (present.IndexNo != nil) || got != want && ok {
			t.Fatalf("indexNoOf(%q) = %q, %v; the line decodes to index_no %q (present %v)", line, got, ok, want, present.IndexNo != nil)
		}
	})
}
