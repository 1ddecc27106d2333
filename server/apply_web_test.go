package server_test

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestApplyPageRenders checks the public form without a browser: its
// fields, its strict CSP, the pre-filling from a 依申请公开 document, and
// the status page's refusals.
func TestApplyPageRenders(t *testing.T) {
	f := newFixture(t)
	st, body := f.do("GET", "/apply", "", "")
	if st != 200 {
		t.Fatalf("GET /apply = %d: %s", st, body)
	}
	for _, want := range []string{`name="applicant_type" value="natural"`, `法人或其他组织：商业企业`, `id="id_number"`, `id="credit_code"`,
		`id="phone"`, `id="information"`, `value="ybj"`, `name="delivery" value="paper"`, `name="pickup" value="online"`, `action="/apply"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the form lacks %s", want)
		}
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, " style=") || strings.Contains(body, "onclick") {
		t.Errorf("the form has inline script or style")
	}
	req := httptest.NewRequest("GET", "/apply", nil)
	res, err := f.srv.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP = %q", csp)
	}
	var id int64
	if err := f.db.Get(&id, `SELECT id FROM documents WHERE disclosure = '依申请公开' ORDER BY id LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	_, body = f.do("GET", fmt.Sprintf("/apply?doc=%d", id), "", "")
	if !strings.Contains(body, "《沂源县医疗保障局2024年度定点医药机构医保基金监督检查情况报告》（索引号：11370323MB28567431/2025-00003）") ||
		!strings.Contains(body, `<option value="ybj" selected>`) {
		t.Errorf("the form from a 依申请公开 document is not pre-filled with it and its agency")
	}
	st, body = f.do("GET", "/apply/status?code=1234567890", "", "")
	if st != 400 || !strings.Contains(body, "查询码有误") {
		t.Errorf("a code with a wrong check digit: %d", st)
	}
	st, body = f.do("GET", "/apply/status?code=1234567894", "", "")
	if st != 404 || !strings.Contains(body, "没有找到这个查询码") {
		t.Errorf("an unknown code: %d", st)
	}
	st, _ = f.do("GET", "/apply/static/x/apply.js", "", "")
	if st != 200 {
		t.Errorf("the form's script: %d", st)
	}
}
