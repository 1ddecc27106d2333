package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/govhall/govhall/hotline/calls"
	"github.com/govhall/govhall/kiosk"
	"github.com/govhall/govhall/migrations/pgtest"
)

// TestSIPWiring: the demo phones are created with HA1 secrets, the hotline
// starts on the configured address (prompts generated on first start),
// answers OPTIONS, and stops by draining.
func TestSIPWiring(t *testing.T) {
	ctx := context.Background()
	var out bytes.Buffer
	p := &program{cfg: config{OfficeHours: "08:30-12:00,14:00-17:30", SIPAddr: "127.0.0.1:0", DataDir: t.TempDir(),
		DemoPassword: "demo-password"}, log: slog.New(slog.DiscardHandler), stdout: &out}
	db := pgtest.New(t)
	svc, err := p.services(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.catalog.LoadDemo(ctx, kiosk.Actor{Username: "test"}); err != nil {
		t.Fatal(err)
	}
	if err := p.demoAccounts(ctx, svc); err != nil {
		t.Fatal(err)
	}
	for range 2 { // idempotent
		if err := p.demoSIP(ctx, svc); err != nil {
			t.Fatal(err)
		}
	}
	store := calls.NewStore(db)
	for _, a := range demoSIPAccounts {
		got, err := store.SIPAccount(ctx, a.ext)
		if err != nil || got.HA1 != calls.HA1(a.ext, sipRealm, "demo-password") || got.Username != a.username || got.DepartmentCode != a.department {
			t.Errorf("%s: %+v %v", a.ext, got, err)
		}
	}
	if !strings.Contains(out.String(), "8105") {
		t.Errorf("demo output %q lacks the phones", out.String())
	}
	h, stop, err := p.startHotline(ctx, svc, nil)
	if err != nil {
		t.Fatal(err)
	}
	addr := h.SIP().Addr().String()
	conn, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "OPTIONS sip:96128@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bKopt1\r\nFrom: <sip:t@x>;tag=1\r\n"+
		"To: <sip:96128@%s>\r\nCall-ID: opt1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n", addr, conn.LocalAddr(), addr)
	buf := make([]byte, 2048)
	conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	n, err := conn.Read(buf)
	if err != nil || !strings.HasPrefix(string(buf[:n]), "SIP/2.0 200") {
		t.Fatalf("OPTIONS: %v %q", err, buf[:n])
	}
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := stop(sctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
}
