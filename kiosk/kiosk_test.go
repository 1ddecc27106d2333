package kiosk_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/kiosk"
	"github.com/govhall/govhall/kiosk/search"
	"github.com/govhall/govhall/migrations/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var sys = kiosk.Actor{Username: "test"}

// newCatalog returns a store on a fresh database with two departments and a
// small category tree, and reviewer accounts r1..r3 and an author.
func newCatalog(t *testing.T) (*kiosk.Store, *sqlx.DB) {
	t.Helper()
	db := pgtest.New(t)
	s := kiosk.NewStore(db, search.New(db, nil, search.Options{}), search.DocNumberKey)
	ctx := context.Background()
	for _, d := range []kiosk.Department{
		{Code: "mzj", Name: "县民政局", FullName: "沂源县民政局"},
		{Code: "zfb", Name: "县政府办公室", FullName: "沂源县人民政府办公室", GovOffice: true},
	} {
		if _, err := s.SaveDepartment(ctx, sys, d); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"重点领域/社会救助", "政策法规/政策解读", "办事指南", "政务公开/工作方案", "政务公开/年度报告"} {
		if _, err := s.EnsureCategoryPath(ctx, sys, p); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []string{"author", "r1", "r2", "r3"} {
		db.MustExec(`INSERT INTO accounts (username, password_hash, roles) VALUES ($1, 'x', '{reviewer}')`, u)
	}
	return s, db
}

func reviewer(t *testing.T, db *sqlx.DB, name string) kiosk.Actor {
	t.Helper()
	var id int64
	if err := db.Get(&id, `SELECT id FROM accounts WHERE username = $1`, name); err != nil {
		t.Fatal(err)
	}
	return kiosk.Actor{AccountID: id, Username: name, Roles: []string{"reviewer"}}
}

func policy(indexNo, title string) kiosk.Input {
	return kiosk.Input{IndexNo: indexNo, DocNumber: "沂民发〔2024〕3号", Title: title, Agency: "沂源县民政局",
		Category: "重点领域/社会救助", Kind: "policy", Disclosure: "主动公开", WrittenAt: "2024-03-01",
		PublishedAt: "2024-03-05", Body: "第一条 为规范最低生活保障工作……", State: "published"}
}

func importLines(t *testing.T, s *kiosk.Store, lines ...string) (kiosk.ImportResult, error) {
	t.Helper()
	return s.Import(context.Background(), sys, strings.NewReader(strings.Join(lines, "\n")), kiosk.ImportOptions{BatchSize: 2})
}

func TestImportRejectsBadLinesNamingLineAndField(t *testing.T) {
	good := `{"index_no":"A/2024-1","title":"沂源县最低生活保障审批管理办法","agency":"沂源县民政局","category":"重点领域/社会救助","kind":"policy","disclosure":"主动公开","published_at":"2024-01-02","body":"正文"}`
	tests := []struct {
		name, line, field string
	}{
		{"missing index_no", `{"title":"t","agency":"沂源县民政局","category":"办事指南","kind":"guide","disclosure":"主动公开","published_at":"2024-01-02"}`, "index_no"},
		{"unknown agency", `{"index_no":"B/1","title":"t","agency":"某某局","category":"办事指南","kind":"guide","disclosure":"主动公开","published_at":"2024-01-02"}`, "agency"},
		{"withheld without reason", `{"index_no":"B/2","title":"t","agency":"沂源县民政局","category":"办事指南","kind":"other","disclosure":"不予公开","published_at":"2024-01-02"}`, "withheld_reason"},
		{"invalid date", `{"index_no":"B/3","title":"t","agency":"沂源县民政局","category":"办事指南","kind":"guide","disclosure":"主动公开","published_at":"2024-13-02"}`, "published_at"},
		{"written after published", `{"index_no":"B/4","title":"t","agency":"沂源县民政局","category":"办事指南","kind":"guide","disclosure":"主动公开","written_at":"2024-02-01","published_at":"2024-01-02"}`, "written_at"},
		{"unknown category", `{"index_no":"B/5","title":"t","agency":"沂源县民政局","category":"不存在","kind":"guide","disclosure":"主动公开","published_at":"2024-01-02"}`, "category"},
		{"bad kind", `{"index_no":"B/6","title":"t","agency":"沂源县民政局","category":"办事指南","kind":"law","disclosure":"主动公开","published_at":"2024-01-02"}`, "kind"},
		{"unknown field", `{"index_no":"B/7","titel":"t"}`, "titel"},
		{"wrong type", `{"index_no":7}`, "index_no"},
		{"interprets unknown", `{"index_no":"B/8","title":"解读","agency":"沂源县民政局","category":"政策法规/政策解读","kind":"interpretation","interprets":"nope","disclosure":"主动公开","published_at":"2024-01-02"}`, "interprets"},
		{"文号 that does not parse", `{"index_no":"B/9","doc_number":"第五号文件","title":"t","agency":"沂源县民政局","category":"办事指南","kind":"guide","disclosure":"主动公开","published_at":"2024-01-02"}`, "doc_number"},
		{"duplicate index_no", strings.Replace(good, "沂源县最低", "又一个", 1), "index_no"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, db := newCatalog(t)
			// lines 1–2 (good) form batch 1; lines 3 (good) and 4 (bad) form batch 2.
			second := strings.Replace(strings.Replace(good, "A/2024-1", "A/2024-2", 1), "审批管理办法", "实施细则", 1)
			third := strings.Replace(strings.Replace(good, "A/2024-1", "A/2024-3", 1), "审批管理办法", "操作规程", 1)
			_, err := importLines(t, s, good, second, third, tt.line)
			var le *kiosk.LineError
			if !errors.As(err, &le) {
				t.Fatalf("got %v, want a *LineError", err)
			}
			var fe *kiosk.FieldError
			if le.Line != 4 || !errors.As(err, &fe) || fe.Field != tt.field {
				t.Fatalf("got line %d, error %q; want line 4, field %s", le.Line, err, tt.field)
			}
			var n int
			db.Get(&n, `SELECT count(*) FROM documents`)
			if n != 2 {
				t.Fatalf("%d documents after the failed batch, want 2 (batch 1 only; batch 2 rolled back whole)", n)
			}
		})
	}
}

func TestImportLinksInterpretationsAndReplacements(t *testing.T) {
	s, db := newCatalog(t)
	ctx := context.Background()
	_, err := importLines(t, s,
		`{"index_no":"N/1","doc_number":"沂民发〔2024〕3号","title":"新办法","agency":"沂源县民政局","category":"重点领域/社会救助","kind":"policy","disclosure":"主动公开","published_at":"2024-03-05","body":"新"}`,
		`{"index_no":"O/1","doc_number":"沂民发[2019]5号","title":"旧办法","agency":"沂源县民政局","category":"重点领域/社会救助","kind":"policy","disclosure":"主动公开","published_at":"2019-03-05","validity":"废止","replaced_by":"N/1","body":"旧"}`,
		`{"index_no":"J/1","title":"新办法解读","agency":"沂源县民政局","category":"政策法规/政策解读","kind":"interpretation","interprets":"N/1","disclosure":"主动公开","published_at":"2024-03-06","body":"解读"}`,
	)
	if err != nil {
		t.Fatal(err)
	}
	var newID, oldID int64
	db.Get(&newID, `SELECT id FROM documents WHERE index_no = 'N/1'`)
	db.Get(&oldID, `SELECT id FROM documents WHERE index_no = 'O/1'`)
	p, err := s.PublicByID(ctx, newID)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Interpretations) != 1 || p.Interpretations[0].Title != "新办法解读" {
		t.Errorf("interpretations = %+v", p.Interpretations)
	}
	if len(p.Replaces) != 1 || p.Replaces[0].ID != oldID {
		t.Errorf("replaces = %+v", p.Replaces)
	}
	old, err := s.PublicByID(ctx, oldID)
	if err != nil {
		t.Fatal(err)
	}
	if old.Validity != "废止" || old.Replacement == nil || old.Replacement.ID != newID {
		t.Errorf("old document: validity %s replacement %+v", old.Validity, old.Replacement)
	}
	var audits int
	db.Get(&audits, `SELECT count(*) FROM audit_log WHERE action = 'document.import' AND detail->>'imported' = 'true'`)
	if audits != 3 {
		t.Errorf("%d import audit records, want 3", audits)
	}
}

func TestPublicGateHidesWithheldDraftAndInReview(t *testing.T) {
	s, db := newCatalog(t)
	ctx := context.Background()
	withheld := policy("W/1", "不予公开的核对明细")
	withheld.Disclosure, withheld.WithheldReason = "不予公开", "涉及个人隐私"
	draft := policy("D/1", "草稿征求意见稿")
	draft.State = "draft"
	if _, err := importLines(t, s, mustJSON(t, withheld), mustJSON(t, draft)); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	db.Select(&ids, `SELECT id FROM documents`)
	for _, id := range ids {
		if _, err := s.PublicByID(ctx, id); !errors.Is(err, kiosk.ErrNotFound) {
			t.Errorf("document %d: PublicByID err = %v, want ErrNotFound", id, err)
		}
	}
	ds, total, err := s.ListPublic(ctx, kiosk.Filter{})
	if err != nil || total != 0 || len(ds) != 0 {
		t.Fatalf("ListPublic = %d items, total %d, %v; want nothing", len(ds), total, err)
	}
	var code string
	db.Get(&code, `SELECT code FROM documents WHERE index_no = 'W/1'`)
	if _, err := s.PublicByCode(ctx, code); !errors.Is(err, kiosk.ErrNotFound) {
		t.Errorf("PublicByCode(withheld) err = %v, want ErrNotFound", err)
	}
}
