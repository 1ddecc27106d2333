package server_test

import (
	"cmp"
	"context"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/hotline"
	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/calls"
	"github.com/govhall/govhall/hotline/events"
	"github.com/govhall/govhall/hotline/media"
	"github.com/govhall/govhall/hotline/queries"
	"github.com/govhall/govhall/kiosk"
	"github.com/govhall/govhall/kiosk/search"
	"github.com/govhall/govhall/migrations/pgtest"
	"github.com/govhall/govhall/server"
	"github.com/govhall/govhall/server/staff"
)

// consoleRig is a govhall server on a real port with the demo catalog,
// staff accounts of every role, tracked queries and the live event hub,
// and a headless Chromium tab for the consoles.
type consoleRig struct {
	t       *testing.T
	db      *sqlx.DB
	base    string
	queries *queries.Store
	hub     *events.Hub
	hotline *hotline.Hotline // with withHotline
	sipAddr string
	deps    server.Deps
	addr    string
	hours   hotline.Hours // of the hotline; default always open
	stop    func()        // stops the HTTP server (restart starts another)
	actors  map[string]queries.Actor
	*browser
}

// rigOption adds a part to the console rig.
type rigOption func(*consoleRig, *server.Deps)

// consoleAccounts are the rig's staff: username, roles, department code.
var consoleAccounts = []struct{ name, display, role, dept string }{
	{"admin1", "管理员", staff.RoleAdmin, ""},
	{"operator1", "话务员 王芳", staff.RoleOperator, ""},
	{"liaison1", "民政局联络员 刘洋", staff.RoleLiaison, "mzj"},
	{"liaison5", "政府办联络员 吴刚", staff.RoleLiaison, "zfb"},
	{"supervisor1", "监察 赵敏", staff.RoleSupervisor, ""},
	{"reviewer1", "信息员 孙丽", staff.RoleReviewer, ""},
}

func newConsoleRig(t *testing.T, opts ...rigOption) *consoleRig {
	t.Helper()
	db := pgtest.New(t)
	ctx := context.Background()
	idx := search.New(db, nil, search.Options{})
	catalog := kiosk.NewStore(db, idx, search.DocNumberKey)
	if _, err := catalog.LoadDemo(ctx, kiosk.Actor{Username: "test"}); err != nil {
		t.Fatal(err)
	}
	st := staff.NewStore(db)
	r := &consoleRig{t: t, db: db, actors: map[string]queries.Actor{}}
	for _, a := range consoleAccounts {
		var dep int64
		if a.dept != "" {
			d, err := catalog.Department(ctx, a.dept)
			if err != nil {
				t.Fatal(err)
			}
			dep = d.ID
		}
		acct, err := st.Create(ctx, staff.NewAccount{Username: a.name, DisplayName: a.display, Password: password, Roles: []string{a.role}, DepartmentID: dep})
		if err != nil {
			t.Fatal(err)
		}
		r.actors[a.name] = queries.Actor{AccountID: acct, Username: a.name, Roles: []string{a.role}, DepartmentID: dep}
	}
	hours, _ := calendar.ParseHours("08:30-12:00,14:00-17:30")
	cal, err := calendar.Open(ctx, db, hours)
	if err != nil {
		t.Fatal(err)
	}
	r.queries = queries.NewStore(db, cal, nil, queries.Options{})
	r.hub = events.NewHub(db, "", nil)
	sctx, cancel := context.WithCancel(ctx)
	hubDone, err := r.hub.Start(sctx, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	workerDone := make(chan struct{})
	go func() {
		defer close(workerDone)
		r.queries.Run(sctx, server.QuerySender{Hub: r.hub}, time.Minute)
	}()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.base = "http://" + ln.Addr().String()
	deps := server.Deps{Log: slog.New(slog.DiscardHandler), DB: db, Staff: st, Catalog: catalog, Calendar: cal,
		Search: idx, Queries: r.queries, Events: r.hub, PublicBaseURL: r.base}
	for _, o := range opts {
		o(r, &deps)
	}
	r.deps, r.addr = deps, ln.Addr().String()
	r.serve(ln)
	t.Cleanup(sync.OnceFunc(func() {
		r.stopServer()
		cancel()
		<-hubDone
		<-workerDone
	}))
	r.browser = newBrowser(t, "console-e2e")
	r.do("desk size", chromedp.EmulateViewport(1366, 768))
	return r
}

// serve starts a govhall HTTP server of the rig's parts on ln.
func (r *consoleRig) serve(ln net.Listener) {
	srv := server.New(r.deps)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	r.stop = sync.OnceFunc(func() {
		cancel()
		if err := <-done; err != nil {
			r.t.Errorf("serve: %v", err)
		}
	})
}

func (r *consoleRig) stopServer() { r.stop() }

// restart stops the HTTP server and starts a new one on the same address,
// as a deploy or a crash and restart would.
func (r *consoleRig) restart(meanwhile func()) {
	r.t.Helper()
	r.stopServer()
	if meanwhile != nil {
		meanwhile()
	}
	ln, err := net.Listen("tcp", r.addr)
	if err != nil {
		r.t.Fatal(err)
	}
	r.serve(ln)
}

// login logs in through the console's form and waits for the page after.
func (r *consoleRig) login(user string) {
	r.t.Helper()
	r.do("log in as "+user, chromedp.Navigate(r.base+"/console/login"), chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), user), chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Submit(chromedp.CSS("#password")), chromedp.WaitReady(chromedp.CSS(`body:not([data-page="login"])`)))
}

// logout uses the shell's 退出 button.
func (r *consoleRig) logout() {
	r.t.Helper()
	r.do("log out", chromedp.Click(chromedp.CSS(`.shell-user button[type="submit"]`)), chromedp.WaitReady(chromedp.CSS(`body[data-page="login"]`)))
}

// check runs axe-core (WCAG 2.1 AA) on the page and fails on page errors.
func (r *consoleRig) check(name string) {
	r.t.Helper()
	axeCheck(r.t, r.tab, name)
	r.shot(strings.ReplaceAll(name, " ", "-"))
}

// create records a query as the operator would.
func (r *consoleRig) create(in queries.NewQuery) string {
	r.t.Helper()
	c, err := r.queries.Create(context.Background(), r.actors["operator1"], in)
	if err != nil {
		r.t.Fatal(err)
	}
	return c.Code
}

// openHours is a calendar on which every moment is in office hours, so
// the call flow queues for an operator whenever the test runs.
type openHours struct{}

func (openHours) InHours(time.Time) bool { return true }

// closedHours is a calendar on which no moment is in office hours.
type closedHours struct{}

func (closedHours) InHours(time.Time) bool { return false }

// withClosedHours makes the rig's hotline run outside office hours; it
// goes before withHotline.
func withClosedHours(r *consoleRig, _ *server.Deps) { r.hours = closedHours{} }

// withHotline starts the 96128 hotline on a free loopback port, with its
// call events going to the consoles, short prompts, and SIP phones 8001
// (operator1) and 8101 (liaison1, 民政局), password "pw" + extension.
func withHotline(r *consoleRig, deps *server.Deps) {
	h := startTestHotline(r.t, r.db, r.hub, cmp.Or[hotline.Hours](r.hours, openHours{}), []calls.NewSIPAccount{
		{Extension: "8001", Username: "operator1", Kind: calls.KindOperator},
		{Extension: "8101", Username: "liaison1", Kind: calls.KindLiaison, Department: "mzj"},
	})
	r.hotline, r.sipAddr = h, h.SIP().Addr().String()
	deps.Calls = h
}

// startTestHotline starts the hotline on a free loopback port with short
// prompts, its call events going to hub, and the phones given (password
// "pw" + extension); it stops when the test ends.
func startTestHotline(tb testing.TB, db *sqlx.DB, hub *events.Hub, hours hotline.Hours, phones []calls.NewSIPAccount) *hotline.Hotline {
	tb.Helper()
	ctx, quiet := context.Background(), slog.New(slog.DiscardHandler)
	store := calls.NewStore(db)
	for _, a := range phones {
		a.Realm, a.Password = "govhall", "pw"+a.Extension
		if _, err := store.SaveSIPAccount(ctx, a); err != nil {
			tb.Fatal(err)
		}
	}
	prompts := tb.TempDir()
	for _, name := range hotline.PromptNames() {
		if err := media.Synthesize(ctx, "请", filepath.Join(prompts, name+".wav")); err != nil {
			tb.Fatalf("prompts (espeak-ng and sox are required): %v", err)
		}
	}
	ce := server.NewCallEvents(hub, quiet)
	cctx, cancel := context.WithCancel(ctx)
	go ce.Run(cctx)
	h, err := hotline.New(hotline.Config{SIPAddr: "127.0.0.1:0", DataDir: tb.TempDir(), PromptsDir: prompts,
		RingTimeout: 10 * time.Second, LiaisonRing: 10 * time.Second, WrapUp: time.Second, SurveyWait: 2 * time.Second,
		Events: ce, Log: quiet}, db, hours, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if err := h.Start(ctx); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		sctx, scancel := context.WithTimeout(ctx, 10*time.Second)
		defer scancel()
		h.Stop(sctx)
		cancel()
	})
	return h
}
