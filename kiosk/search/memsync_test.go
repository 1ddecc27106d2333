package search

import (
	"context"
	"fmt"
	"testing"
)

// memFixture is a fixture whose in-memory twin is loaded and live.
func memFixture(t *testing.T) (*fixture, *Store) {
	t.Helper()
	f := newFixture(t)
	f.add(doc{Title: "沂源县最低生活保障审核确认办法", Agency: "mzj", Body: "低保申请人应当向户籍所在地乡镇人民政府提出申请。"})
	f.add(doc{Title: "住房公积金提取管理办法", Agency: "gjj", DocNumber: "淄公积金发〔2022〕7号", Body: "职工提取住房公积金应当提交申请。"})
	m := f.memStore()
	must(t, m.SyncIndex(context.Background()))
	return f, m
}

// withhold makes a document 不予公开: through s as the catalog does (its
// Reindex in the transaction), or with s nil as another process would.
func withhold(t *testing.T, f *fixture, s *Store, id int64) {
	t.Helper()
	tx := f.db.MustBegin()
	defer tx.Rollback()
	_, err := tx.Exec(`UPDATE documents SET disclosure = '不予公开', withheld_reason = '测试' WHERE id = $1`, id)
	must(t, err)
	if s != nil {
		must(t, s.Reindex(context.Background(), tx, []int64{id}))
	}
	must(t, tx.Commit())
}

func memSearch(t *testing.T, m *Store, q string) Result {
	t.Helper()
	res, err := m.Search(context.Background(), Request{Q: q})
	must(t, err)
	return res
}

// TestMemIndexLocalWithdrawal: a document this process withholds is gone
// from its next search, before the change is announced (the search runs in
// PostgreSQL meanwhile), and from the index once it is.
func TestMemIndexLocalWithdrawal(t *testing.T) {
	f, m := memFixture(t)
	ctx := context.Background()
	id := f.add(doc{Title: "城乡低保资金发放公示", Agency: "mzj", Body: "低保资金按月发放。"})
	must(t, m.SyncIndex(ctx))
	if !contains(memSearch(t, m, "低保"), id) {
		t.Fatal("new document not in the index")
	}
	withhold(t, f, m, id)
	if res := memSearch(t, m, "低保"); contains(res, id) || res.Total != 1 {
		t.Fatalf("withheld document found right after the commit: %v (total %d)", titles(res), res.Total)
	}
	must(t, m.SyncIndex(ctx))
	if m.mem.live() == nil {
		t.Fatal("index not live after the change was announced")
	}
	if res := memSearch(t, m, "低保"); contains(res, id) || res.Total != 1 || !res.TotalExact {
		t.Fatalf("withheld document in the index: %v (total %d)", titles(res), res.Total)
	}
}

// TestMemIndexRemoteChanges: changes committed by other connections (another
// govhall process, psql) reach the index; until they do, the page re-read
// from public_documents keeps a withheld document out.
func TestMemIndexRemoteChanges(t *testing.T) {
	f, m := memFixture(t)
	ctx := context.Background()
	gjj := memSearch(t, m, "公积金").Items[0].ID
	withhold(t, f, nil, gjj)
	if res := memSearch(t, m, "公积金"); contains(res, gjj) {
		t.Fatal("withheld document on the page before the index caught up")
	}
	must(t, m.SyncIndex(ctx))
	if res := memSearch(t, m, "淄公积金发〔2022〕7号"); contains(res, gjj) || res.Total != 0 {
		t.Fatalf("withheld document still indexed: %v", titles(res))
	}
	added := f.add(doc{Title: "残疾人两项补贴申领指南", Agency: "cl", Kind: "guide", Body: "困难残疾人生活补贴。"})
	_, err := f.db.Exec(`UPDATE departments SET name = '县残疾人联合会' WHERE code = 'cl'`)
	must(t, err)
	must(t, m.SyncIndex(ctx))
	res := memSearch(t, m, "残疾人两项补贴")
	if len(res.Items) == 0 || res.Items[0].ID != added || res.Items[0].Agency != "县残疾人联合会" {
		t.Fatalf("added document or renamed department not in the index: %+v", res.Items)
	}
}

// TestMemIndexBulkChange: more changes than the overlay holds rebuild the
// index from one snapshot.
func TestMemIndexBulkChange(t *testing.T) {
	f, m := memFixture(t)
	ctx := context.Background()
	tx := f.db.MustBegin()
	var ids []int64
	for i := range overlayMax + 10 {
		var id int64
		must(t, tx.Get(&id, insertDoc, fmt.Sprintf("BULK-%05d", i), fmt.Sprintf("b%09d", i), "", "",
			fmt.Sprintf("第%d号养老服务补贴公示", i), f.agencies["mzj"], f.categories["政策法规"], "", "policy",
			"2023-05-01", "有效", 0, "主动公开", "", "养老服务补贴按季度发放。", "published"))
		ids = append(ids, id)
	}
	must(t, f.s.Reindex(ctx, tx, ids))
	must(t, tx.Commit())
	must(t, m.SyncIndex(ctx))
	st := m.mem.live()
	if st == nil || st.overlay != nil || len(st.base.docs) != overlayMax+12 {
		t.Fatalf("index after a bulk change: %+v", st)
	}
	if res := memSearch(t, m, "养老服务补贴"); res.Total != overlayMax+10 || !res.TotalExact {
		t.Fatalf("bulk documents: total %d, want %d", res.Total, overlayMax+10)
	}
}

// TestMemIndexCachedResults: with the index live, cached results are served
// without asking the database, and every change drops them: one made by
// this process at once, one made elsewhere when it is announced.
func TestMemIndexCachedResults(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	low := f.add(doc{Title: "城乡低保资金发放公示", Agency: "mzj", Body: "低保资金按月发放。"})
	gjj := f.add(doc{Title: "住房公积金提取管理办法", Agency: "gjj", Body: "职工提取住房公积金。"})
	s := newStore(f.db, Options{NotifyURL: f.url})
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.StartIndex(sctx)
	must(t, s.SyncIndex(ctx))
	for _, q := range []string{"低保", "公积金"} {
		if res := memSearch(t, s, q); res.Total != 1 {
			t.Fatalf("%s: %d results", q, res.Total)
		}
	}
	if _, ok := s.cache.get(Request{Q: "低保", Limit: 20}.cacheKey()); !ok {
		t.Fatal("result not cached")
	}
	withhold(t, f, s, low)
	if res := memSearch(t, s, "低保"); contains(res, low) {
		t.Fatal("cached result shows a document this process withheld")
	}
	withhold(t, f, nil, gjj)
	must(t, s.SyncIndex(ctx))
	if res := memSearch(t, s, "公积金"); contains(res, gjj) {
		t.Fatal("cached result shows a document withheld elsewhere after the change was announced")
	}
}
