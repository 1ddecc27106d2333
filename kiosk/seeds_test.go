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

// seedDir holds the real work plans and reports the project is built from;
// CI clones the project beside shared/.
const seedDir = "../../shared/seeds"

var (
	isoDate = regexp.MustCompile(`(20\d\d)-(\d\d)-(\d\d)`)
	cnDate  = regexp.MustCompile(`(20\d\d)年(\d{1,2})月(\d{1,2})日`)
)

// seedLine converts one seed text into an import line: the first non-empty
// line is the title, the first date found is the publication date, and the
// whole text is the body, untouched.
func seedLine(n int, text string) kiosk.Input {
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
	return kiosk.Input{IndexNo: fmt.Sprintf("SEED/%03d", n), Title: title, Agency: "沂源县人民政府办公室",
		Category: category, Kind: "other", Disclosure: "主动公开", PublishedAt: published, Body: text, State: "published"}
}

func TestImportSeedTexts(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(seedDir, "*.txt"))
	if err != nil || len(files) != 5 {
		t.Fatalf("want the 5 seed texts in %s (shared/ beside the clone), found %d (%v)", seedDir, len(files), err)
	}
	s, db := newCatalog(t)
	var lines []string
	texts := map[string]string{}
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		in := seedLine(i, string(b))
		texts[in.IndexNo] = in.Body
		js, _ := json.Marshal(in)
		lines = append(lines, string(js))
	}
	res, err := s.Import(context.Background(), sys, strings.NewReader(strings.Join(lines, "\n")), kiosk.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 5 {
		t.Fatalf("imported %d, want 5", res.Imported)
	}
	for indexNo, text := range texts {
		var id int64
		db.Get(&id, `SELECT id FROM documents WHERE index_no = $1`, indexNo)
		p, err := s.PublicByID(context.Background(), id)
		if err != nil {
			t.Fatalf("%s: %v", indexNo, err)
		}
		if p.Body != strings.ReplaceAll(text, "\x00", "") {
			t.Errorf("%s: body changed on the way through the database", indexNo)
		}
		if !strings.ContainsAny(p.Body, "，。、〔〕《》") {
			t.Errorf("%s: Chinese punctuation lost", indexNo)
		}
	}
}
