package server_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/govhall/govhall/hotline/calls"
)

// orgPages are the admin's organisation pages.
var orgPages = []string{"/console/admin/org", "/console/admin/org/departments", "/console/admin/org/departments/mzj",
	"/console/admin/org/accounts", "/console/admin/org/accounts/1", "/console/admin/org/phones",
	"/console/admin/org/terminals", "/console/admin/org/prompts", "/console/admin/org/codes"}

// TestAdminOrgAccountsAPI drives the account endpoints as an admin: a
// created account's password is answered once and works, the list never
// holds a hash, an admin cannot disable themselves (409, in Chinese), a
// disabled account's bearer session ends at once, a reset password is
// answered once; field errors name the field. Without the hotline the
// pages still render, saying so.
func TestAdminOrgAccountsAPI(t *testing.T) {
	f := newFixture(t)
	admin := f.login("admin1")
	st, body := f.do("POST", "/api/v1/staff/accounts", admin, `{"username":"zhaolei","display_name":"赵磊","roles":["operator"]}`)
	var created struct {
		Account  struct{ ID int64 }
		Password string
	}
	json.Unmarshal([]byte(body), &created)
	if st != 201 || created.Password == "" || created.Account.ID == 0 {
		t.Fatalf("create = %d %s", st, body)
	}
	st, body = f.do("POST", "/api/v1/session", "", fmt.Sprintf(`{"username":"zhaolei","password":%q}`, created.Password))
	var sess struct{ Token string }
	json.Unmarshal([]byte(body), &sess)
	if st != 200 {
		t.Fatalf("login with the answered password = %d %s", st, body)
	}
	st, body = f.do("GET", "/api/v1/staff/accounts", admin, "")
	if st != 200 || !strings.Contains(body, `"zhaolei"`) || strings.Contains(body, "$2a$") || strings.Contains(body, "password") {
		t.Errorf("list = %d %s", st, body)
	}
	if st, body := f.do("POST", "/api/v1/staff/accounts", admin, `{"username":"zhaolei","display_name":"赵磊","roles":["operator"]}`); st != 400 || !strings.Contains(body, `"field":"username"`) || !strings.Contains(body, "已被使用") {
		t.Errorf("a taken username = %d %s", st, body)
	}
	if st, body := f.do("POST", "/api/v1/staff/accounts", admin, `{"username":"x1","display_name":"某","roles":["liaison"]}`); st != 400 || !strings.Contains(body, `"field":"department"`) {
		t.Errorf("a liaison without department = %d %s", st, body)
	}
	var me int64
	f.db.Get(&me, `SELECT id FROM accounts WHERE username = 'admin1'`)
	if st, body := f.do("PUT", fmt.Sprintf("/api/v1/staff/accounts/%d/disabled", me), admin, `{"disabled":true}`); st != 409 || !strings.Contains(body, "不能停用自己") {
		t.Errorf("disable oneself = %d %s", st, body)
	}
	path := fmt.Sprintf("/api/v1/staff/accounts/%d", created.Account.ID)
	if st, body := f.do("PUT", path+"/disabled", admin, `{}`); st != 400 || !strings.Contains(body, `"field":"disabled"`) {
		t.Errorf("disable without a value = %d %s", st, body)
	}
	if st, body := f.do("PUT", path+"/disabled", admin, `{"disabled":true}`); st != 200 || !strings.Contains(body, `"disabled":true`) {
		t.Errorf("disable = %d %s", st, body)
	}
	if st, _ := f.do("GET", "/api/v1/session", sess.Token, ""); st != 401 {
		t.Errorf("the disabled account's session answers %d, want 401", st)
	}
	if st, _ := f.do("PUT", path+"/disabled", admin, `{"disabled":false}`); st != 200 {
		t.Errorf("enable = %d", st)
	}
	st, body = f.do("POST", path+"/password", admin, "")
	var reset struct{ Password string }
	json.Unmarshal([]byte(body), &reset)
	if st != 200 || reset.Password == "" || reset.Password == created.Password {
		t.Errorf("reset = %d %s", st, body)
	}
	if st, _ := f.do("POST", "/api/v1/session", "", fmt.Sprintf(`{"username":"zhaolei","password":%q}`, reset.Password)); st != 200 {
		t.Errorf("login with the reset password = %d", st)
	}
	if st, body := f.do("PUT", path, admin, `{"display_name":"赵磊","roles":["operator","supervisor"]}`); st != 200 || !strings.Contains(body, "supervisor") {
		t.Errorf("update = %d %s", st, body)
	}
	var audit string
	f.db.Get(&audit, `SELECT string_agg(action || ' ' || detail::text, E'\n' ORDER BY id) FROM audit_log WHERE actor = 'admin1' AND object_id = 'zhaolei'`)
	for _, a := range []string{"account.create", "account.disable", "account.enable", "account.password_reset", "account.update"} {
		if !strings.Contains(audit, a) {
			t.Errorf("audit lacks %s:\n%s", a, audit)
		}
	}
	if strings.Contains(audit, created.Password) || strings.Contains(audit, reset.Password) {
		t.Errorf("a password is in the audit log")
	}

	cookie := f.login("admin1")
	for _, p := range orgPages {
		page := f.page(p, cookie)
		if !strings.Contains(page, `<nav class="subnav" aria-label="机构与账号">`) || !strings.Contains(page, "<h1>") {
			t.Errorf("%s does not render the section: %.400s", p, page)
		}
	}
	if page := f.page("/console/admin/org/phones", cookie); !strings.Contains(page, "没有启用 96128 热线") {
		t.Errorf("the phones page without a hotline does not say so")
	}
	if page := f.page("/console/admin/org/accounts", cookie); strings.Contains(page, "$2a$") || !strings.Contains(page, "zhaolei") {
		t.Errorf("accounts page")
	}
}

// TestAdminOrgTerminalsAPI registers a terminal, edits it, revokes it (the
// kiosk is refused) and reissues its token.
func TestAdminOrgTerminalsAPI(t *testing.T) {
	f := newFixture(t)
	admin := f.login("admin1")
	st, body := f.do("POST", "/api/v1/staff/terminals", admin, `{"name":"县档案馆查询机","place_type":"档案馆"}`)
	var reg struct {
		Terminal struct{ ID int64 }
		Token    string
	}
	json.Unmarshal([]byte(body), &reg)
	if st != 201 || reg.Token == "" {
		t.Fatalf("register = %d %s", st, body)
	}
	p := fmt.Sprintf("/api/v1/staff/terminals/%d", reg.Terminal.ID)
	if st, body := f.do("PUT", p, admin, `{"place_type":"图书馆","printer_profile":"kp628e-58"}`); st != 200 || !strings.Contains(body, `"kp628e-58"`) {
		t.Errorf("edit = %d %s", st, body)
	}
	if st, body := f.do("PUT", p, admin, `{"place_type":"图书馆","printer_profile":"laser"}`); st != 400 || !strings.Contains(body, `"field":"printer_profile"`) {
		t.Errorf("bad profile = %d %s", st, body)
	}
	if st, _ := f.terminalDo("GET", "/api/v1/terminals/me", reg.Token, ""); st != 200 {
		t.Fatalf("the kiosk before revoking = %d", st)
	}
	if st, body := f.do("DELETE", p, admin, ""); st != 200 || !strings.Contains(body, `"disabled":true`) {
		t.Errorf("revoke = %d %s", st, body)
	}
	if st, _ := f.terminalDo("GET", "/api/v1/terminals/me", reg.Token, ""); st != 401 {
		t.Errorf("the revoked kiosk = %d, want 401", st)
	}
	st, body = f.do("POST", p+"/token", admin, "")
	var again struct{ Token string }
	json.Unmarshal([]byte(body), &again)
	if st != 200 || again.Token == "" {
		t.Fatalf("reissue = %d %s", st, body)
	}
	if st, _ := f.terminalDo("GET", "/api/v1/terminals/me", again.Token, ""); st != 200 {
		t.Errorf("the kiosk with its new token = %d", st)
	}
	if st, _ := f.do("DELETE", "/api/v1/staff/terminals/99999", admin, ""); st != 404 {
		t.Errorf("revoke unknown = %d", st)
	}
}

// TestAdminOrgForbidden: an operator gets 403 on every organisation page
// and endpoint (with the hotline's too) and has no menu entry for them.
func TestAdminOrgForbidden(t *testing.T) {
	r := newConsoleRig(t, withHotline)
	login, send := r.api()
	op := login("operator1")
	for _, p := range orgPages {
		st, body := send("GET", p, "", op, "")
		if st != 403 || !strings.Contains(body, "无权访问") {
			t.Errorf("operator on %s = %d", p, st)
		}
		if strings.Contains(body, `href="/console/admin/org"`) {
			t.Errorf("the operator's menu on %s offers 机构与账号", p)
		}
	}
	for _, e := range []struct{ method, path string }{
		{"GET", "/api/v1/staff/accounts"}, {"POST", "/api/v1/staff/accounts"}, {"PUT", "/api/v1/staff/accounts/1"},
		{"PUT", "/api/v1/staff/accounts/1/disabled"}, {"POST", "/api/v1/staff/accounts/1/password"},
		{"PUT", "/api/v1/staff/departments/mzj"}, {"PUT", "/api/v1/staff/departments/mzj/ring"},
		{"GET", "/api/v1/staff/phones"}, {"POST", "/api/v1/staff/phones"}, {"POST", "/api/v1/staff/phones/1/credentials"},
		{"DELETE", "/api/v1/staff/phones/1"}, {"POST", "/api/v1/staff/terminals"}, {"PUT", "/api/v1/staff/terminals/1"},
		{"DELETE", "/api/v1/staff/terminals/1"}, {"POST", "/api/v1/staff/terminals/1/token"},
		{"GET", "/api/v1/staff/prompts"}, {"GET", "/api/v1/staff/prompts/greeting"}, {"PUT", "/api/v1/staff/prompts/greeting"},
		{"DELETE", "/api/v1/staff/prompts/greeting"}, {"POST", "/api/v1/staff/pause-reasons"}, {"DELETE", "/api/v1/staff/pause-reasons/1"},
		{"POST", "/api/v1/staff/wrapup-codes"}, {"DELETE", "/api/v1/staff/wrapup-codes/1"},
	} {
		if st, body := send(e.method, e.path, op, "", `{}`); st != 403 {
			t.Errorf("operator %s %s = %d %s, want 403", e.method, e.path, st, body)
		}
	}
	var n int
	r.db.Get(&n, `SELECT count(*) FROM audit_log WHERE actor = 'operator1' AND action NOT IN ('login', 'logout')`)
	if n != 0 {
		t.Errorf("the operator's refused requests changed something (%d audit entries)", n)
	}
	admin := login("admin1")
	if st, body := send("GET", "/api/v1/staff/phones", admin, "", ""); st != 200 || !strings.Contains(body, `"8001"`) || strings.Contains(body, "ha1") {
		t.Errorf("admin phones = %d %s", st, body)
	}
	r.login("operator1")
	if got := r.textOf(".shell-nav"); strings.Contains(got, "机构与账号") {
		t.Errorf("the operator's menu offers 机构与账号: %q", got)
	}
}

// api returns a login and a request helper against the rig's server: a
// bearer token or a session cookie, and the status and body answered.
func (r *consoleRig) api() (login func(user string) string, send func(method, path, token, cookie, body string) (int, string)) {
	t := r.t
	client := &http.Client{Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	login = func(user string) string {
		t.Helper()
		res, err := client.Post(r.base+"/api/v1/session", "application/json", strings.NewReader(`{"username":"`+user+`","password":"`+password+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out struct{ Token string }
		json.NewDecoder(res.Body).Decode(&out)
		return out.Token
	}
	send = func(method, path, token, cookie, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, r.base+path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if cookie != "" {
			req.AddCookie(&http.Cookie{Name: "govhall_session", Value: cookie})
		}
		req.Header.Set("Content-Type", "application/json")
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	return login, send
}

// pcmWAV is a WAV of a tone: rate, channels, 16-bit PCM.
func pcmWAV(rate, channels int, d time.Duration) []byte {
	data := make([]byte, int(d*time.Duration(rate)/time.Second)*channels*2)
	for i := 0; i+1 < len(data); i += 2 {
		binary.LittleEndian.PutUint16(data[i:], uint16(int16(2000*((i/20)%2*2-1))))
	}
	h := make([]byte, 44)
	copy(h, "RIFF")
	binary.LittleEndian.PutUint32(h[4:], uint32(36+len(data)))
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], 1)
	binary.LittleEndian.PutUint16(h[22:], uint16(channels))
	binary.LittleEndian.PutUint32(h[24:], uint32(rate))
	binary.LittleEndian.PutUint32(h[28:], uint32(rate*channels*2))
	binary.LittleEndian.PutUint16(h[32:], uint16(channels*2))
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], uint32(len(data)))
	return append(h, data...)
}

// TestAdminOrgHotlineAPI drives the hotline's admin endpoints: a phone
// added with its password answered once (only HA1 stored), new
// credentials, removal; a prompt replaced (served back as uploaded, the
// hotline reloads it), refused when not 8 kHz mono, restored to the
// default; a wrap-up code added and disabled; the ring refused with a bad
// strategy. All audited, no secret in the log.
func TestAdminOrgHotlineAPI(t *testing.T) {
	r := newConsoleRig(t, withHotline)
	login, send := r.api()
	admin := login("admin1")
	st, body := send("POST", "/api/v1/staff/phones", admin, "", `{"extension":"8201","kind":"liaison","department":"ybj"}`)
	var created struct {
		Phone    struct{ ID int64 }
		Password string
		Realm    string
	}
	json.Unmarshal([]byte(body), &created)
	if st != 201 || created.Password == "" || created.Realm != "govhall" || strings.Contains(body, "ha1") {
		t.Fatalf("add phone = %d %s", st, body)
	}
	p, _ := r.hotline.Store().SIPAccount(context.Background(), "8201")
	if p.HA1 != calls.HA1("8201", "govhall", created.Password) {
		t.Errorf("the stored HA1 is not of the answered password")
	}
	if st, body := send("POST", "/api/v1/staff/phones", admin, "", `{"extension":"8201","kind":"liaison","department":"ybj"}`); st != 400 || !strings.Contains(body, `"field":"extension"`) {
		t.Errorf("the same extension again = %d %s", st, body)
	}
	path := fmt.Sprintf("/api/v1/staff/phones/%d", created.Phone.ID)
	st, body = send("POST", path+"/credentials", admin, "", "")
	var again struct{ Password string }
	json.Unmarshal([]byte(body), &again)
	if p, _ := r.hotline.Store().SIPAccount(context.Background(), "8201"); st != 200 || p.HA1 != calls.HA1("8201", "govhall", again.Password) {
		t.Errorf("new credentials = %d %s", st, body)
	}
	if st, _ := send("DELETE", path, admin, "", ""); st != 204 {
		t.Errorf("remove = %d", st)
	}
	if _, body := send("GET", "/api/v1/staff/phones", admin, "", ""); strings.Contains(body, `"8201"`) {
		t.Errorf("a removed phone is listed")
	}

	wav := pcmWAV(8000, 1, 1200*time.Millisecond)
	put := func(name string, b []byte) (int, string) {
		req, _ := http.NewRequest("PUT", r.base+"/api/v1/staff/prompts/"+name, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+admin)
		req.Header.Set("Content-Type", "audio/wav")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		out, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(out)
	}
	if st, body := put("goodbye", wav); st != 200 || !strings.Contains(body, `"custom":true`) || !strings.Contains(body, `"duration":1.2`) {
		t.Errorf("replace = %d %s", st, body)
	}
	if st, body := send("GET", "/api/v1/staff/prompts/goodbye", admin, "", ""); st != 200 || body != string(wav) {
		t.Errorf("the prompt served back = %d, %d bytes, want the %d uploaded", st, len(body), len(wav))
	}
	if st, body := put("goodbye", pcmWAV(44100, 2, time.Second)); st != 400 || !strings.Contains(body, `"field":"wav"`) || !strings.Contains(body, "8000 Hz") {
		t.Errorf("a CD-quality file = %d %s", st, body)
	}
	if st, _ := put("nonsense", wav); st != 404 {
		t.Errorf("an unknown prompt = %d", st)
	}
	if st, body := send("DELETE", "/api/v1/staff/prompts/goodbye", admin, "", ""); st != 200 || !strings.Contains(body, `"custom":false`) {
		t.Errorf("restore = %d %s", st, body)
	}

	st, body = send("POST", "/api/v1/staff/wrapup-codes", admin, "", `{"label":"政策解释"}`)
	var code struct{ ID int64 }
	json.Unmarshal([]byte(body), &code)
	if st != 201 || !strings.Contains(body, "custom_") {
		t.Fatalf("add wrap-up code = %d %s", st, body)
	}
	if st, body := send("POST", "/api/v1/staff/wrapup-codes", admin, "", `{"label":""}`); st != 400 || !strings.Contains(body, `"field":"label"`) {
		t.Errorf("an empty label = %d %s", st, body)
	}
	if st, _ := send("DELETE", fmt.Sprintf("/api/v1/staff/wrapup-codes/%d", code.ID), admin, "", ""); st != 204 {
		t.Errorf("disable = %d", st)
	}
	if _, body := send("GET", "/api/v1/staff/wrapup-codes", admin, "", ""); strings.Contains(body, "政策解释") {
		t.Errorf("a disabled code is listed: %s", body)
	}
	if st, body := send("PUT", "/api/v1/staff/departments/mzj/ring", admin, "", `{"ring_strategy":"random"}`); st != 400 || !strings.Contains(body, `"field":"ring_strategy"`) {
		t.Errorf("a bad ring strategy = %d %s", st, body)
	}
	var audit string
	r.db.Get(&audit, `SELECT string_agg(action || ' ' || detail::text, E'\n' ORDER BY id) FROM audit_log WHERE actor = 'admin1'`)
	for _, a := range []string{"sip_account.create", "sip_account.credentials", "sip_account.remove", "prompt.replace", "prompt.restore", "wrapup_code_add", "wrapup_code_disable"} {
		if !strings.Contains(audit, a) {
			t.Errorf("the audit log lacks %s", a)
		}
	}
	if strings.Contains(audit, created.Password) || strings.Contains(audit, again.Password) {
		t.Errorf("a SIP password is in the audit log")
	}
}

// TestAdminOrgInChromium walks the organisation pages as admin1: creates
// an account and logs in with it in another browser, disables it and
// sees that session end; creates a SIP phone and reads its one-time
// password; registers a terminal and sees its token once; adds a pause
// reason; uploads a file that is not a usable WAV and sees the error
// next to the field; edits a department's office hours and its liaisons'
// ring. Every page passes axe-core.
func TestAdminOrgInChromium(t *testing.T) {
	r := newConsoleRig(t, withHotline)
	r.login("admin1")
	r.do("the section", chromedp.Navigate(r.base+"/console/admin/org"), chromedp.WaitVisible(chromedp.CSS(".subnav")))
	if got := r.textOf(".shell-nav a[aria-current]"); got != "机构与账号" {
		t.Errorf("the menu marks %q as current", got)
	}
	r.check("org overview")

	// Accounts: create one, with a field error first.
	r.do("accounts", chromedp.Click(chromedp.CSS(`.subnav a[href="/console/admin/org/accounts"]`)), chromedp.WaitVisible(chromedp.CSS("#new-account")))
	r.do("a liaison without department", chromedp.SendKeys(chromedp.CSS("#a-username"), "sunhao"), chromedp.SendKeys(chromedp.CSS("#a-display"), "孙浩"),
		chromedp.Click(chromedp.CSS("#a-role-liaison")), chromedp.Click(chromedp.CSS("#new-account button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#a-dept-error")))
	if got := r.textOf("#a-dept-error"); !strings.Contains(got, "部门") {
		t.Errorf("the department error says %q", got)
	}
	r.check("accounts field error")
	r.do("create the account", chromedp.SetValue(chromedp.CSS("#a-dept"), "mzj"), chromedp.Click(chromedp.CSS("#new-account button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#new-account-secret .secret-value")))
	pw := r.textOf("#new-account-secret .secret-value")
	if len(pw) < 12 {
		t.Fatalf("the one-time password shown is %q", pw)
	}
	r.check("account created")
	r.do("the password is gone after a reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#accounts tr[data-username="sunhao"]`)))
	if html := eval[string](r, `document.body.innerHTML`); strings.Contains(html, pw) {
		t.Errorf("the password is still on the page after a reload")
	}

	// Log in with it in another browser (its own cookies).
	other, cancel := chromedp.NewContext(r.tab, chromedp.WithNewBrowserContext())
	defer cancel()
	if err := chromedp.Do(other); err != nil { // the tab lives as long as other, not one step's deadline
		t.Fatal(err)
	}
	run := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		ctx, c := context.WithTimeout(other, 30*time.Second)
		defer c()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	run("sunhao logs in", chromedp.Navigate(r.base+"/console/login"), chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), "sunhao"), chromedp.SendKeys(chromedp.CSS("#password"), pw),
		chromedp.Submit(chromedp.CSS("#password")), chromedp.WaitVisible(chromedp.CSS(`body:not([data-page="login"]) .shell-nav`)))
	var open int
	r.db.Get(&open, `SELECT count(*) FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE a.username = 'sunhao'`)
	if open != 1 {
		t.Fatalf("sunhao has %d sessions after logging in, want 1", open)
	}

	r.do("open the account", chromedp.Click(chromedp.CSS(`#accounts tr[data-username="sunhao"] a`)), chromedp.WaitVisible(chromedp.CSS("#edit-account")))
	r.check("account page")
	r.do("disable it", chromedp.Click(chromedp.CSS(".danger-zone summary")), chromedp.Click(chromedp.CSS(`#disable-account button`)),
		chromedp.WaitVisible(chromedp.CSS(`.page-head[data-disabled="true"]`)))
	run("sunhao's session has ended", chromedp.Navigate(r.base+"/console/liaison"), waitJS(`location.pathname === '/console/login'`, 10*time.Second))
	var sessions int
	r.db.Get(&sessions, `SELECT count(*) FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE a.username = 'sunhao'`)
	if sessions != 0 {
		t.Errorf("%d sessions of the disabled account remain", sessions)
	}
	r.do("admin1 cannot disable themselves", chromedp.Navigate(r.base+"/console/admin/org/accounts"),
		chromedp.Click(chromedp.CSS(`#accounts tr[data-username="admin1"] a`)), chromedp.WaitVisible(chromedp.CSS("#edit-account")))
	if n := eval[int](r, `document.querySelectorAll('#disable-account').length`); n != 0 {
		t.Errorf("admin1's own page offers to disable admin1")
	}

	// Phones: create one and read its password once.
	r.do("phones", chromedp.Navigate(r.base+"/console/admin/org/phones"), chromedp.WaitVisible(chromedp.CSS("#new-phone")))
	if got := eval[string](r, `document.querySelector('#phones tr[data-extension="8001"]').dataset.registered`); got != "false" {
		t.Errorf("8001 shows registered=%s with no phone registered", got)
	}
	r.check("phones")
	r.do("an operator phone without an account", chromedp.SendKeys(chromedp.CSS("#p-ext"), "8002"), chromedp.SetValue(chromedp.CSS("#p-kind"), "operator"),
		chromedp.Click(chromedp.CSS("#new-phone button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("#p-user-error")))
	r.do("a liaison phone", chromedp.SetValue(chromedp.CSS("#p-kind"), "liaison"), chromedp.SetValue(chromedp.CSS("#p-dept"), "mzj"),
		chromedp.Click(chromedp.CSS("#new-phone button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("#new-phone-secret .secret-value")))
	sipPW := eval[string](r, `document.querySelectorAll('#new-phone-secret .secret-value')[1].textContent`)
	phone, err := r.hotline.Store().SIPAccount(context.Background(), "8002")
	if err != nil || phone.HA1 != calls.HA1("8002", "govhall", sipPW) || phone.Kind != calls.KindLiaison {
		t.Errorf("the phone shown with password %q is %+v %v", sipPW, phone, err)
	}
	r.check("phone created")

	// Departments: office hours and the ring of 民政局's liaisons.
	r.do("民政局", chromedp.Navigate(r.base+"/console/admin/org/departments/mzj"), chromedp.WaitVisible(chromedp.CSS("#ring-form")))
	r.check("department")
	r.do("office hours", chromedp.SetValue(chromedp.CSS("#d-hours"), "工作日 8:30–12:00，14:00–17:30"),
		chromedp.Click(chromedp.CSS("#department-form button[type=submit]")),
		chromedp.WaitReady(chromedp.CSS(`#d-hours[value^="工作日"]`)))
	r.do("8002 first, ring all", chromedp.Click(chromedp.CSS(`li[data-ext="8002"] [data-move="up"]`)), chromedp.Click(chromedp.CSS("#ring-all")),
		chromedp.Click(chromedp.CSS("#ring-form button[type=submit]")),
		chromedp.WaitReady(chromedp.CSS(`#ring-form:has(#ring-all[checked]) .ring-list li:first-child[data-ext="8002"]`)))
	var strategy string
	r.db.Get(&strategy, `SELECT ring_strategy FROM departments WHERE code = 'mzj'`)
	if strategy != "all" {
		t.Errorf("ring strategy %q after saving ring-all", strategy)
	}

	// Terminals: register one, see the token once.
	r.do("terminals", chromedp.Navigate(r.base+"/console/admin/org/terminals"), chromedp.WaitVisible(chromedp.CSS("#new-terminal")))
	r.do("register without a place", chromedp.SendKeys(chromedp.CSS("#n-name"), "县图书馆二楼查询机"),
		chromedp.Click(chromedp.CSS("#new-terminal button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("#n-place-error")))
	r.do("register", chromedp.SetValue(chromedp.CSS("#n-place"), "图书馆"), chromedp.Click(chromedp.CSS("#new-terminal button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#new-terminal-secret .secret-value")))
	token := eval[string](r, `document.querySelector('#new-terminal-secret .secret-value').textContent`)
	if !strings.HasPrefix(token, "kt_") {
		t.Errorf("the token shown is %q", token)
	}
	r.check("terminal registered")
	r.do("the token is not shown again", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#terminals tr[data-terminal]")))
	if html := eval[string](r, `document.body.innerHTML`); strings.Contains(html, token) {
		t.Errorf("the token is on the page after a reload")
	}
	r.check("terminals")

	// Pause reasons.
	r.do("codes", chromedp.Navigate(r.base+"/console/admin/org/codes"), chromedp.WaitVisible(chromedp.CSS("#new-pause")))
	r.do("add a pause reason", chromedp.SendKeys(chromedp.CSS("#pause-label"), "接待来访"), chromedp.Click(chromedp.CSS("#new-pause button")),
		chromedp.WaitVisible(chromedp.CSS(`#pause-reasons li[data-label="接待来访"]`)))
	r.check("codes")

	// Prompts: a file that is not a usable WAV is refused next to the field.
	dir := t.TempDir()
	bad := filepath.Join(dir, "greeting.wav")
	os.WriteFile(bad, []byte("ID3\x04 not really a wav, an mp3 renamed"), 0o644)
	r.do("prompts", chromedp.Navigate(r.base+"/console/admin/org/prompts"), chromedp.WaitVisible(chromedp.CSS(`#prompts tr[data-prompt="greeting"]`)))
	r.check("prompts")
	r.do("upload an invalid WAV", chromedp.SetUploadFiles(chromedp.CSS("#wav-greeting"), []string{bad}),
		chromedp.Click(chromedp.CSS(`tr[data-prompt="greeting"] form[data-upload] button`)), chromedp.WaitVisible(chromedp.CSS("#wav-greeting-error")))
	if got := r.textOf("#wav-greeting-error"); !strings.Contains(got, "不是 WAV") || !strings.Contains(got, "8000 Hz") {
		t.Errorf("the upload error says %q", got)
	}
	r.check("prompt upload error")
	var audit string
	r.db.Get(&audit, `SELECT string_agg(action || ' ' || detail::text, E'\n' ORDER BY id) FROM audit_log WHERE actor = 'admin1'`)
	for _, a := range []string{"account.create", "account.disable", "sip_account.create", "department.save", "department.ring", "terminal.register", "pause_reason_add"} {
		if !strings.Contains(audit, a) {
			t.Errorf("the audit log lacks %s", a)
		}
	}
	for _, secret := range []string{pw, sipPW, token} {
		if strings.Contains(audit, secret) {
			t.Errorf("a secret is in the audit log")
		}
	}
	r.pageErrors()
}
