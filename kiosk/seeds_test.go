package kiosk_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/govhall/govhall/kiosk"
)

// govTextDir holds the project's own test documents: invented work plans,
// an annual report with its tables, a hotline 管理办法 and a disclosure
// guide, written like real 政务公开 exports (full-width spaces, lines of
// spaces, [bookmark: …] markers, 文号 in every bracket style). The search
// tests read the same files.
const govTextDir = "testdata/govtexts"

var (
	isoDate = regexp.MustCompile(`(20\d\d)-(\d\d)-(\d\d)`)
	cnDate  = regexp.MustCompile(`(20\d\d)年(\d{1,2})月(\d{1,2})日`)
)

// govTextLine converts one text into an import line: the first non-empty
// line is the title, the first date found is the publication date, and the
// whole text is the body, untouched.
func govTextLine(n int, text string) kiosk.Input {
	title := ""
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			title = l
			break
		}
	}
	published := "2019-01-01"
	if m := isoDate.FindStringSubmatch(text); m != nil {
		published = m[0]
	} else if m := cnDate.FindStringSubmatch(text); m != nil {
		published = fmt.Sprintf("%s-%02s-%02s", m[1], m[2], m[3])
		published = strings.ReplaceAll(published, " ", "0")
	}
	category := "政务公开/工作方案"
	if strings.Contains(title, "报告") {
		category = "政务公开/年度报告"
	}
	return kiosk.Input{IndexNo: fmt.Sprintf("GOV/%03d", n), Title: title, Agency: "沂源县人民政府办公室",
		Category: category, Kind: "other", Disclosure: "主动公开", PublishedAt: published, Body: text, State: "published"}
}

func TestImportGovTexts(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(govTextDir, "*.txt"))
	if err != nil || len(files) < 5 {
		t.Fatalf("want at least 5 test documents in %s, found %d (%v)", govTextDir, len(files), err)
	}
	s, db := newCatalog(t)
	var lines []string
	texts := map[string]string{}
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		in := govTextLine(i, string(b))
		texts[in.IndexNo] = in.Body
		js, _ := json.Marshal(in)
		lines = append(lines, string(js))
	}
	res, err := s.Import(context.Background(), sys, strings.NewReader(strings.Join(lines, "\n")), kiosk.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != int64(len(files)) {
		t.Fatalf("imported %d, want %d", res.Imported, len(files))
	}
	for indexNo, text := range texts {
		var id int64
		db.Get(&id, `SELECT id FROM documents WHERE index_no = $1`, indexNo)
		p, err := s.PublicByID(context.Background(), id)
		if err != nil {
			t.Fatalf("%s: %v", indexNo, err)
		}
		if p.Body != text {
			t.Errorf("%s: body changed on the way through the database", indexNo)
		}
		if !strings.ContainsAny(p.Body, "，。、〔〕《》") {
			t.Errorf("%s: Chinese punctuation lost", indexNo)
		}
	}
}
