package search

import (
	"context"
	"errors"
	"slices"
	"testing"
)

func suggestTexts(t *testing.T, s *Store, prefix string) []string {
	t.Helper()
	sugs, err := s.Suggest(context.Background(), prefix, 8)
	must(t, err)
	out := make([]string, len(sugs))
	for i, g := range sugs {
		out[i] = g.Text
	}
	return out
}

func TestSuggest(t *testing.T) {
	c := newCorpus(t)
	// A query opened from two screens becomes a suggestion; one typed on a
	// single screen (possibly personal) does not.
	must(t, c.s.RecordClick(context.Background(), Click{Query: "低保补助发放", DocID: c.dibao, Action: ActionOpen, Source: "a"}))
	must(t, c.s.RecordClick(context.Background(), Click{Query: "低保补助发放", DocID: c.dibao, Action: ActionOpen, Source: "b"}))
	must(t, c.s.RecordClick(context.Background(), Click{Query: "低保户张三", DocID: c.dibao, Action: ActionOpen, Source: "a"}))
	tests := []struct {
		prefix, first string
		has           []string
		hasNot        []string
	}{
		{prefix: "低", first: "低保", has: []string{"低保补助发放"}, hasNot: []string{"低保户张三"}},
		{prefix: "db", first: "低保", has: []string{"低保补助发放"}},
		{prefix: "DBBZ", has: []string{"低保补助发放", "关于调整城乡低保标准的通知"}},
		{prefix: "zuidi", first: "最低生活保障"},
		{prefix: "yb", first: "医保"},
		{prefix: "关于调整", has: []string{"关于调整城乡低保标准的通知", "《关于调整城乡低保标准的通知》政策解读"}},
		{prefix: "公积", first: "公积金", has: []string{"住房公积金", "住房公积金提取管理办法"}},
		{prefix: "yinh", has: []string{"关于农村商业银行代发惠民补贴资金的通知"}},
	}
	for _, tt := range tests {
		got := suggestTexts(t, c.s, tt.prefix)
		if tt.first != "" && (len(got) == 0 || got[0] != tt.first) {
			t.Errorf("Suggest(%q) = %q, want %q first", tt.prefix, got, tt.first)
		}
		for _, h := range tt.has {
			if !slices.Contains(got, h) {
				t.Errorf("Suggest(%q) = %q, want %q in it", tt.prefix, got, h)
			}
		}
		for _, h := range tt.hasNot {
			if slices.Contains(got, h) {
				t.Errorf("Suggest(%q) = %q, must not offer %q", tt.prefix, got, h)
			}
		}
	}
	if got := suggestTexts(t, c.s, "  "); len(got) != 0 {
		t.Errorf("Suggest(blank) = %q", got)
	}
	if _, err := c.s.Suggest(context.Background(), "低", 21); !errors.Is(err, ErrInvalid) {
		t.Errorf("limit 21: %v", err)
	}
}

func TestPopularQueries(t *testing.T) {
	c := newCorpus(t)
	c.click("低保", c.dibao, ActionOpen, 3)
	c.click("医保报销", c.yibaoGuide, ActionPrint, 2)
	c.click("13812345678", c.dibao, ActionOpen, 3) // a telephone number typed into the box
	pq, err := c.s.PopularQueries(context.Background(), 10)
	must(t, err)
	var got []string
	for _, q := range pq {
		got = append(got, q.Query)
	}
	if !slices.Equal(got, []string{"医保报销", "低保"}) {
		t.Fatalf("popular queries %q", got)
	}
}

func TestSynonymAdmin(t *testing.T) {
	c := newCorpus(t)
	ctx := context.Background()
	elder := c.add(doc{Title: "老年人优待证办理指南", Kind: "guide", Category: "办事指南"})
	if res := c.search("老年卡"); !res.Relaxed {
		t.Fatalf("found with every word before the synonym exists: %v", titles(res))
	}
	a := Actor{AccountID: 0, Username: "admin", IP: "10.0.0.2"}
	syn, err := c.s.AddSynonym(ctx, a, " 老年卡 ", "老年人优待证")
	must(t, err)
	if syn.Term != "老年卡" || syn.ID == 0 {
		t.Fatalf("added %+v", syn)
	}
	if res := c.search("老年卡"); res.Relaxed || len(res.Items) == 0 || res.Items[0].ID != elder {
		t.Fatalf("老年卡 after the synonym: %v", titles(res))
	}
	if got := suggestTexts(t, c.s, "lnk"); len(got) == 0 || got[0] != "老年卡" {
		t.Fatalf("initials of the new keyword: %q", got)
	}
	if _, err := c.s.AddSynonym(ctx, a, "老年人优待证", "老年卡"); !errors.Is(err, ErrConflict) {
		t.Fatalf("reversed duplicate: %v", err)
	}
	for _, bad := range [][2]string{{"", "x"}, {"老年卡", "老年卡"}, {"老年<卡>", "x"}, {string(make([]rune, 41)), "x"}} {
		var fe *FieldError
		if _, err := c.s.AddSynonym(ctx, a, bad[0], bad[1]); !errors.As(err, &fe) {
			t.Errorf("AddSynonym(%q, %q) = %v, want a FieldError", bad[0], bad[1], err)
		}
	}
	must(t, c.s.DeleteSynonym(ctx, a, syn.ID))
	if res := c.search("老年卡"); !res.Relaxed {
		t.Fatalf("found with every word after the synonym was deleted: %v", titles(res))
	}
	if err := c.s.DeleteSynonym(ctx, a, syn.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	var n int
	must(t, c.db.Get(&n, `SELECT count(*) FROM audit_log WHERE action LIKE 'search.synonym.%' AND ip = '10.0.0.2'`))
	if n != 2 {
		t.Fatalf("%d audit rows, want 2", n)
	}
	all, err := c.s.Synonyms(ctx)
	must(t, err)
	if len(all) < 20 {
		t.Fatalf("%d seeded synonyms", len(all))
	}
}
