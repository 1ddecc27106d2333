package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/hotline/queries"
	"github.com/govhall/govhall/migrations/pgtest"
	"github.com/govhall/govhall/server"
)

// postKeyed sends POST path with body and, unless key is "", an
// Idempotency-Key; it returns the status, the body and whether the answer
// says it was replayed.
func (f *fixture) postKeyed(path, key, token, body string) (int, string, bool) {
	f.t.Helper()
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := f.srv.App().Test(req, -1)
	if err != nil {
		f.t.Errorf("POST %s: %v", path, err)
		return 0, "", false
	}
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header.Get("Idempotent-Replayed") == "true"
}

func (f *fixture) countQuestions(q string) int {
	f.t.Helper()
	var n int
	if err := f.db.Get(&n, `SELECT count(*) FROM queries WHERE question = $1`, q); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// keyedAnswers counts the stored 201 answers of Idempotency-Keys in scopes
// LIKE scope that hold the 查询码 code.
func keyedAnswers(t *testing.T, db *sqlx.DB, scope, code string) int {
	t.Helper()
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM idempotency_keys WHERE scope LIKE $1 AND status = 201
		AND position($2 IN convert_from(body, 'UTF8')) > 0`, scope, code); err != nil {
		t.Fatal(err)
	}
	return n
}

func queryBody(q string) string {
	return `{"channel":"web","question":"` + q + `","department":"mzj"}`
}

func codeOf(t *testing.T, body string) string {
	t.Helper()
	var out struct{ Code string }
	if err := json.Unmarshal([]byte(body), &out); err != nil || out.Code == "" {
		t.Fatalf("no 查询码 in %s", body)
	}
	return out.Code
}

// TestIdempotencyKeyReplaysQuery: the same key twice creates one query and
// answers the same 查询码 twice, the second marked replayed; the key on
// another body is 422; no key creates two queries; a bad key is 400.
func TestIdempotencyKeyReplaysQuery(t *testing.T) {
	f, _ := queryFixture(t, queries.Options{})
	q := "幂等测试：低保怎么申请"
	st1, b1, rep1 := f.postKeyed("/api/v1/queries", "k-1", "", queryBody(q))
	st2, b2, rep2 := f.postKeyed("/api/v1/queries", "k-1", "", queryBody(q))
	if st1 != 201 || st2 != 201 || rep1 || !rep2 {
		t.Fatalf("first = %d replayed=%v %s; second = %d replayed=%v %s", st1, rep1, b1, st2, rep2, b2)
	}
	if codeOf(t, b1) != codeOf(t, b2) || b1 != b2 {
		t.Errorf("replay differs: %s vs %s", b1, b2)
	}
	if n := f.countQuestions(q); n != 1 {
		t.Errorf("%d queries created with one key, want 1", n)
	}
	st, body, _ := f.postKeyed("/api/v1/queries", "k-1", "", queryBody(q+"（另一个）"))
	if st != http.StatusUnprocessableEntity || !strings.Contains(body, "Idempotency-Key") || !strings.Contains(body, "不同的请求") {
		t.Errorf("same key, other body = %d %s, want 422 with a message", st, body)
	}
	q2 := "幂等测试：没有 key"
	f.postKeyed("/api/v1/queries", "", "", queryBody(q2))
	f.postKeyed("/api/v1/queries", "", "", queryBody(q2))
	if n := f.countQuestions(q2); n != 2 {
		t.Errorf("%d queries created by two POSTs without a key, want 2", n)
	}
	for _, bad := range []string{strings.Repeat("x", 256), "键"} {
		if st, body, _ := f.postKeyed("/api/v1/queries", bad, "", queryBody("坏 key")); st != 400 || !strings.Contains(body, "255") {
			t.Errorf("key %q = %d %s, want 400", bad, st, body)
		}
	}
	if n := f.countQuestions("坏 key"); n != 0 {
		t.Errorf("a bad key created %d queries", n)
	}
	admin := f.login("admin1")
	cat := `{"path":"幂等测试/分类"}`
	st1, b1, _ = f.postKeyed("/api/v1/staff/categories", "c-1", admin, cat)
	st2, b2, rep2 = f.postKeyed("/api/v1/staff/categories", "c-1", admin, cat)
	if st1/100 != 2 || st2 != st1 || b2 != b1 || !rep2 {
		t.Errorf("staff write twice with one key: %d %s, then %d replayed=%v %s", st1, b1, st2, rep2, b2)
	}
	if st, _, rep := f.postKeyed("/api/v1/staff/categories", "c-1", f.login("admin1"), cat); st/100 != 2 && st != 409 || rep {
		t.Errorf("the key of another session = %d replayed=%v, want its own run", st, rep)
	}
}

// TestIdempotencyKeyConcurrent: eight identical POSTs at once with one key
// create one query; every other answer is a 409 or the same replay. A key
// another node holds (a pending row) answers 409 until it is older than the
// request timeout, then the request takes it over and runs.
func TestIdempotencyKeyConcurrent(t *testing.T) {
	f, _ := queryFixture(t, queries.Options{})
	q := "幂等测试：同时提交"
	type ans struct {
		st       int
		body     string
		replayed bool
	}
	out := make([]ans, 8)
	var wg sync.WaitGroup
	for i := range out {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, b, r := f.postKeyed("/api/v1/queries", "same", "", queryBody(q))
			out[i] = ans{st, b, r}
		}()
	}
	wg.Wait()
	applied, conflicts, replays, code := 0, 0, 0, ""
	for _, a := range out {
		switch {
		case a.st == 201 && !a.replayed:
			applied++
			code = codeOf(t, a.body)
		case a.st == 201 && a.replayed:
			replays++
		case a.st == 409:
			conflicts++
		default:
			t.Errorf("concurrent duplicate answered %d %s", a.st, a.body)
		}
	}
	for _, a := range out {
		if a.replayed && codeOf(t, a.body) != code {
			t.Errorf("replay %s, applied %s", a.body, code)
		}
	}
	if n := f.countQuestions(q); applied != 1 || n != 1 {
		t.Fatalf("%d applied, %d queries (409: %d, replays: %d), want 1", applied, n, conflicts, replays)
	}
	t.Logf("8 concurrent: 1 applied, %d 409, %d replayed", conflicts, replays)

	q2 := "幂等测试：另一节点正在处理"
	body := queryBody(q2)
	scope := "/api/v1/queries ip:0.0.0.0"
	sum := sha256.Sum256([]byte("POST\n/api/v1/queries\n" + body))
	f.db.MustExec(`INSERT INTO idempotency_keys (scope, key, request_hash) VALUES ($1, 'held', $2)`, scope, sum[:])
	if st, b, _ := f.postKeyed("/api/v1/queries", "held", "", body); st != http.StatusConflict || !strings.Contains(b, "仍在处理") {
		t.Fatalf("key pending on another node = %d %s, want 409", st, b)
	}
	f.db.MustExec(`UPDATE idempotency_keys SET created_at = now() - interval '11 seconds' WHERE key = 'held'`)
	if st, b, r := f.postKeyed("/api/v1/queries", "held", "", body); st != 201 || r {
		t.Fatalf("pending key past the request timeout = %d replayed=%v %s, want 201 run", st, r, b)
	}
	if n := f.countQuestions(q2); n != 1 {
		t.Errorf("taken-over key created %d queries, want 1", n)
	}
}

// TestIdempotencyKeyNot500: an answer of 500 is not stored: the retry with
// the same key runs the request again (and then is stored).
func TestIdempotencyKeyNot500(t *testing.T) {
	f, _ := queryFixture(t, queries.Options{})
	q := "幂等测试：服务器出错"
	f.db.MustExec(`ALTER TABLE queries RENAME TO queries_away`)
	st, b, _ := f.postKeyed("/api/v1/queries", "k500", "", queryBody(q))
	f.db.MustExec(`ALTER TABLE queries_away RENAME TO queries`)
	if st < 500 {
		t.Fatalf("with the table gone = %d %s, want 5xx", st, b)
	}
	var rows int
	f.db.Get(&rows, `SELECT count(*) FROM idempotency_keys WHERE key = 'k500'`)
	if rows != 0 {
		t.Errorf("a %d answer left %d idempotency rows", st, rows)
	}
	if st, b, r := f.postKeyed("/api/v1/queries", "k500", "", queryBody(q)); st != 201 || r {
		t.Fatalf("retry after %d = %d replayed=%v %s, want a fresh 201", st, st, r, b)
	}
	if n := f.countQuestions(q); n != 1 {
		t.Errorf("%d queries, want 1", n)
	}
	f.db.Get(&rows, `SELECT count(*) FROM idempotency_keys WHERE key = 'k500' AND status = 201`)
	if rows != 1 {
		t.Errorf("the 201 after the retry is not stored (%d rows)", rows)
	}
}

// TestIdempotencyKeysPruned: Prune (hourly in govhall serve) deletes the
// keys older than IdempotencyRetention and keeps the others.
func TestIdempotencyKeysPruned(t *testing.T) {
	db := pgtest.New(t)
	db.MustExec(`INSERT INTO idempotency_keys (scope, key, request_hash, status, created_at) VALUES
		('s', 'old', '\x00', 201, now() - interval '25 hours'), ('s', 'new', '\x00', 201, now() - interval '23 hours')`)
	n, err := server.NewIdempotencyStore(db).Prune(context.Background(), time.Now().Add(-server.IdempotencyRetention))
	if err != nil || n != 1 {
		t.Fatalf("Prune = %d, %v; want 1", n, err)
	}
	var left []string
	db.Select(&left, `SELECT key FROM idempotency_keys`)
	if len(left) != 1 || left[0] != "new" {
		t.Errorf("left %v, want [new]", left)
	}
}

// TestIdempotencyKeyDocumented: the OpenAPI description lists the header on
// the POSTs that take it and not on log-in, whose answer is a token.
func TestIdempotencyKeyDocumented(t *testing.T) {
	f, _ := queryFixture(t, queries.Options{})
	_, body := f.do("GET", "/api/v1/openapi.json", "", "")
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct{ Name, In string }
		}
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	has := func(path string) bool {
		for _, p := range doc.Paths[path]["post"].Parameters {
			if p.Name == "Idempotency-Key" && p.In == "header" {
				return true
			}
		}
		return false
	}
	for _, p := range []string{"/api/v1/queries", "/api/v1/staff/documents", "/api/v1/terminals/{id}/print"} {
		if !has(p) {
			t.Errorf("POST %s does not document Idempotency-Key", p)
		}
	}
	if has("/api/v1/session") {
		t.Error("POST /api/v1/session documents Idempotency-Key, which it ignores")
	}
}
