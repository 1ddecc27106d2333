package kiosk_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/govhall/govhall/kiosk"
	"github.com/govhall/govhall/kiosk/search"
)

// names returns the names of nodes in order.
func names(ns []*kiosk.CategoryNode) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.Name
	}
	return out
}

func node(t *testing.T, ns []*kiosk.CategoryNode, path string) *kiosk.CategoryNode {
	t.Helper()
	for _, n := range ns {
		if n.Path == path {
			return n
		}
		if strings.HasPrefix(path, n.Path+"/") {
			return node(t, n.Children, path)
		}
	}
	t.Fatalf("no category %s in the tree", path)
	return nil
}

func tree(t *testing.T, s *kiosk.Store) []*kiosk.CategoryNode {
	t.Helper()
	ns, err := s.CategoryTree(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

// TestCategoryTreeAddAndReorder checks that new categories go after their
// siblings, that an order must name every sibling once (someone else's
// change meanwhile is a conflict, not a silent loss), that the tree counts
// public and all documents, and that everything is audited.
func TestCategoryTreeAddAndReorder(t *testing.T) {
	s, db := newCatalog(t)
	ctx := context.Background()
	if got := names(tree(t, s)); !slices.Equal(got, []string{"重点领域", "政策法规", "办事指南", "政务公开"}) {
		t.Fatalf("top level in creation order = %v", got)
	}
	root := node(t, tree(t, s), "政务公开")
	added, err := s.AddCategory(ctx, sys, root.ID, " 工作动态 ")
	if err != nil || added.Path != "政务公开/工作动态" || added.Position != 2 {
		t.Fatalf("AddCategory = %+v, %v; want 政务公开/工作动态 at position 2", added, err)
	}
	for _, tc := range []struct {
		parent int64
		name   string
		field  string
	}{{root.ID, "工作动态", "name"}, {0, "", "name"}, {0, "a/b", "name"}, {0, strings.Repeat("长", 31), "name"}, {999999, "新", "parent_id"}} {
		var fe *kiosk.FieldError
		if _, err := s.AddCategory(ctx, sys, tc.parent, tc.name); !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("AddCategory(%d, %q) = %v, want a FieldError on %s", tc.parent, tc.name, err, tc.field)
		}
	}
	if _, err := importLines(t, s, mustJSON(t, policy("P/1", "沂源县最低生活保障审批管理办法")),
		mustJSON(t, func() kiosk.Input { d := policy("P/2", "低保对象名单"); d.State = "draft"; return d }())); err != nil {
		t.Fatal(err)
	}
	if n := node(t, tree(t, s), "重点领域/社会救助"); n.Count != 1 || n.Total != 2 {
		t.Errorf("社会救助 counts %d public of %d, want 1 of 2", n.Count, n.Total)
	}

	ns := tree(t, s)
	ids := []int64{ns[3].ID, ns[0].ID, ns[2].ID, ns[1].ID}
	if err := s.ReorderCategories(ctx, sys, 0, ids); err != nil {
		t.Fatal(err)
	}
	if got := names(tree(t, s)); !slices.Equal(got, []string{"政务公开", "重点领域", "办事指南", "政策法规"}) {
		t.Errorf("after reordering the top level = %v", got)
	}
	cs, _ := s.Categories(ctx)
	for _, c := range cs {
		if c.Path == "政务公开" && c.Position != 0 {
			t.Errorf("the public list gives 政务公开 position %d, want 0", c.Position)
		}
	}
	for _, bad := range [][]int64{ids[1:], append(ids, ids[0]), {ids[0], ids[1], ids[2], root.ID + 1000}} {
		if err := s.ReorderCategories(ctx, sys, 0, bad); !errors.Is(err, kiosk.ErrConflict) {
			t.Errorf("ReorderCategories(%v) = %v, want ErrConflict", bad, err)
		}
	}
	kids := node(t, tree(t, s), "政务公开").Children
	if err := s.ReorderCategories(ctx, sys, root.ID, []int64{kids[2].ID, kids[0].ID, kids[1].ID}); err != nil {
		t.Fatal(err)
	}
	if got := names(node(t, tree(t, s), "政务公开").Children); !slices.Equal(got, []string{"工作动态", "工作方案", "年度报告"}) {
		t.Errorf("the children of 政务公开 = %v", got)
	}
	var audited int
	db.Get(&audited, `SELECT count(*) FROM audit_log WHERE action IN ('category.add', 'category.reorder')`)
	if audited != 3 {
		t.Errorf("%d audit entries for one add and two orders, want 3", audited)
	}
}

// TestMergeCategory merges one category into another: documents and
// sub-categories move (paths rewritten, after the target's own children),
// the source is gone, search finds the moved documents under the target's
// path, all in one audited transaction; refused merges change nothing.
func TestMergeCategory(t *testing.T) {
	s, db := newCatalog(t)
	ctx := context.Background()
	idx := search.New(db, nil, search.Options{CacheTTL: -1})
	for _, p := range []string{"民生/社会救助/低保", "民生/就业", "重点领域/社会救助/特困供养"} {
		if _, err := s.EnsureCategoryPath(ctx, sys, p); err != nil {
			t.Fatal(err)
		}
	}
	in := policy("P/1", "沂源县最低生活保障审批管理办法")
	in.Category = "民生"
	if _, err := importLines(t, s, mustJSON(t, in)); err != nil {
		t.Fatal(err)
	}
	ns := tree(t, s)
	from, into := node(t, ns, "民生"), node(t, ns, "重点领域")
	clash := node(t, ns, "民生/社会救助")

	var fe *kiosk.FieldError
	if _, err := s.MergeCategory(ctx, sys, from.ID, from.ID); !errors.As(err, &fe) || fe.Field != "into" {
		t.Errorf("merge into itself = %v", err)
	}
	if _, err := s.MergeCategory(ctx, sys, into.ID, node(t, ns, "重点领域/社会救助").ID); !errors.As(err, &fe) || fe.Field != "into" {
		t.Errorf("merge into its own sub-category = %v", err)
	}
	if _, err := s.MergeCategory(ctx, sys, from.ID, into.ID); !errors.As(err, &fe) || fe.Field != "into" || !strings.Contains(fe.Msg, "社会救助") {
		t.Errorf("merge with a clashing sub-category = %v, want a FieldError naming 社会救助", err)
	}
	if _, err := s.MergeCategory(ctx, sys, 999999, into.ID); !errors.Is(err, kiosk.ErrNotFound) {
		t.Errorf("merge of an unknown category = %v", err)
	}
	if got := names(tree(t, s)); !slices.Contains(got, "民生") {
		t.Fatal("a refused merge removed the category")
	}
	// Rename the clash away, then merge.
	if err := s.RenameCategory(ctx, sys, clash.ID, "城乡救助"); err != nil {
		t.Fatal(err)
	}
	m, err := s.MergeCategory(ctx, sys, from.ID, into.ID)
	if err != nil {
		t.Fatal(err)
	}
	if m.From != "民生" || m.Into != "重点领域" || m.Documents != 1 || m.Children != 2 {
		t.Errorf("merge = %+v, want 1 document and 2 sub-categories from 民生 into 重点领域", m)
	}
	ns = tree(t, s)
	if slices.Contains(names(ns), "民生") {
		t.Error("民生 still exists after the merge")
	}
	if got := names(node(t, ns, "重点领域").Children); !slices.Equal(got, []string{"社会救助", "城乡救助", "就业"}) {
		t.Errorf("the children of 重点领域 = %v, want its own first", got)
	}
	node(t, ns, "重点领域/城乡救助/低保")
	if n := node(t, ns, "重点领域"); n.Total != 1 || n.Count != 1 {
		t.Errorf("重点领域 counts %d/%d after the merge, want 1/1", n.Count, n.Total)
	}
	res, err := idx.Search(ctx, search.Request{Q: "最低生活保障", Category: "重点领域"})
	if err != nil || res.Total != 1 || res.Items[0].CategoryPath != "重点领域" {
		t.Errorf("search after the merge = %+v, %v", res, err)
	}
	// The category's name is searchable: a rename reindexes its documents.
	if err := s.RenameCategory(ctx, sys, into.ID, "惠民工程"); err != nil {
		t.Fatal(err)
	}
	if res, err := idx.Search(ctx, search.Request{Q: "惠民工程"}); err != nil || res.Total != 1 {
		t.Errorf("search by the new category name = %+v, %v", res, err)
	}
	var detail string
	db.Get(&detail, `SELECT detail::text FROM audit_log WHERE action = 'category.merge'`)
	if !strings.Contains(detail, `"documents": 1`) || !strings.Contains(detail, `"into": "重点领域"`) {
		t.Errorf("merge audit detail = %s", detail)
	}
}
