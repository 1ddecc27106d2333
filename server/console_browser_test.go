package server_test

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/events"
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
	actors  map[string]queries.Actor
	*browser
}

// consoleAccounts are the rig's staff: username, roles, department code.
var consoleAccounts = []struct{ name, display, role, dept string }{
	{"admin1", "管理员", staff.RoleAdmin, ""},
	{"operator1", "话务员 王芳", staff.RoleOperator, ""},
	{"liaison1", "民政局联络员 刘洋", staff.RoleLiaison, "mzj"},
	{"liaison5", "政府办联络员 吴刚", staff.RoleLiaison, "zfb"},
	{"supervisor1", "监察 赵敏", staff.RoleSupervisor, ""},
	{"reviewer1", "信息员 孙丽", staff.RoleReviewer, ""},
}

func newConsoleRig(t *testing.T) *consoleRig {
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
	srv := server.New(server.Deps{Log: slog.New(slog.DiscardHandler), DB: db, Staff: st, Catalog: catalog, Calendar: cal,
		Search: idx, Queries: r.queries, Events: r.hub, PublicBaseURL: r.base})
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx, ln) }()
	t.Cleanup(sync.OnceFunc(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		<-hubDone
		<-workerDone
	}))
	r.browser = newBrowser(t, "console-e2e")
	r.do("desk size", chromedp.EmulateViewport(1366, 768))
	return r
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
