package kiosk_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/govhall/govhall/kiosk"
)

func fieldOf(err error) string {
	var fe *kiosk.FieldError
	if errors.As(err, &fe) {
		return fe.Field
	}
	return ""
}

// TestTerminalAdmin: an admin edits a terminal's place type and printer
// profile (a profile the printer builder cannot use is refused at its
// field), revokes it (its token stops working) and reissues a token (only
// the new one works); every change is audited without the token.
func TestTerminalAdmin(t *testing.T) {
	s, db := newCatalog(t)
	ctx := context.Background()
	admin := kiosk.Actor{Username: "root", IP: "10.0.0.1"}
	term, token, err := s.RegisterTerminal(ctx, admin, kiosk.NewTerminal{Name: "县图书馆一楼", PlaceType: "图书馆"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.RegisterTerminal(ctx, admin, kiosk.NewTerminal{Name: "县图书馆一楼", PlaceType: "图书馆"}); fieldOf(err) != "name" || !strings.Contains(err.Error(), "已有") {
		t.Errorf("a second terminal of the name: %v", err)
	}
	if _, _, err := s.RegisterTerminal(ctx, admin, kiosk.NewTerminal{Name: "二楼", PlaceType: "图书馆", PrinterProfile: "hp-laser"}); fieldOf(err) != "printer_profile" {
		t.Errorf("an unknown profile on registration: %v", err)
	}

	got, err := s.UpdateTerminal(ctx, admin, term.ID, kiosk.TerminalEdit{PlaceType: "档案馆", PrinterProfile: "generic-80,cut=full"})
	if err != nil || got.PlaceType != "档案馆" || got.PrinterProfile != "generic-80,cut=full" {
		t.Fatalf("update: %+v %v", got, err)
	}
	for _, c := range []struct {
		in    kiosk.TerminalEdit
		field string
	}{
		{kiosk.TerminalEdit{PlaceType: "商场", PrinterProfile: "generic-58"}, "place_type"},
		{kiosk.TerminalEdit{PlaceType: "图书馆", PrinterProfile: "hp-laser"}, "printer_profile"},
		{kiosk.TerminalEdit{PlaceType: "图书馆", PrinterProfile: "generic-58,cut=sideways"}, "printer_profile"},
		{kiosk.TerminalEdit{PlaceType: "图书馆"}, "printer_profile"},
	} {
		if _, err := s.UpdateTerminal(ctx, admin, term.ID, c.in); fieldOf(err) != c.field {
			t.Errorf("%+v: %v, want an error on %s", c.in, err, c.field)
		}
	}
	if _, err := s.UpdateTerminal(ctx, admin, 999999, kiosk.TerminalEdit{PlaceType: "图书馆", PrinterProfile: "generic-58"}); !errors.Is(err, kiosk.ErrNotFound) {
		t.Errorf("unknown terminal: %v", err)
	}

	if got, err := s.RevokeTerminal(ctx, admin, term.ID); err != nil || !got.Disabled || got.Online {
		t.Fatalf("revoke: %+v %v", got, err)
	}
	if _, err := s.TerminalByToken(ctx, token); !errors.Is(err, kiosk.ErrNotFound) {
		t.Errorf("a revoked token still works: %v", err)
	}
	_, fresh, err := s.ReissueTerminalToken(ctx, admin, term.ID)
	if err != nil || !strings.HasPrefix(fresh, "kt_") || fresh == token {
		t.Fatalf("reissue: %q %v", fresh, err)
	}
	if _, err := s.TerminalByToken(ctx, fresh); err != nil {
		t.Errorf("the new token: %v", err)
	}
	if _, err := s.TerminalByToken(ctx, token); err == nil {
		t.Errorf("the old token works again after a reissue")
	}
	var actions []string
	db.Select(&actions, `SELECT action FROM audit_log WHERE object_type = 'terminal' AND actor = 'root' ORDER BY id`)
	if strings.Join(actions, ",") != "terminal.register,terminal.update,terminal.revoke,terminal.token" {
		t.Errorf("audit = %v", actions)
	}
	var details string
	db.Get(&details, `SELECT string_agg(detail::text, ' ') FROM audit_log WHERE object_type = 'terminal'`)
	if strings.Contains(details, fresh) || strings.Contains(details, token) {
		t.Errorf("a token is in the audit log: %s", details)
	}
	if kiosk.PrinterStateText("paper_out") != "缺纸" || kiosk.PrinterStateText("") != "未知" {
		t.Errorf("printer state texts")
	}
}

// TestSaveDepartmentFields: an admin edits a department's names, phone
// and office hours; refusals name the field in Chinese, a name another
// department has is refused at its field, and the change is audited.
func TestSaveDepartmentFields(t *testing.T) {
	s, db := newCatalog(t)
	ctx := context.Background()
	admin := kiosk.Actor{Username: "root"}
	d, err := s.SaveDepartment(ctx, admin, kiosk.Department{Code: "mzj", Name: "县民政局", FullName: "沂源县民政局",
		Phone: "0533-3221234", OfficeHours: " 工作日 8:30–12:00，14:00–17:30 "})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Department(ctx, "mzj")
	if err != nil || got.ID != d.ID || got.OfficeHours != "工作日 8:30–12:00，14:00–17:30" || got.Phone != "0533-3221234" {
		t.Errorf("saved %+v %v", got, err)
	}
	for _, c := range []struct {
		in    kiosk.Department
		field string
	}{
		{kiosk.Department{Code: "MZJ", Name: "县民政局", FullName: "沂源县民政局"}, "code"},
		{kiosk.Department{Code: "mzj", Name: "县民政局"}, "full_name"},
		{kiosk.Department{Code: "mzj", FullName: "沂源县民政局"}, "name"},
		{kiosk.Department{Code: "mzj", Name: "县政府办公室", FullName: "沂源县民政局"}, "name"},
		{kiosk.Department{Code: "mzj", Name: "县民政局", FullName: "沂源县人民政府办公室"}, "full_name"},
		{kiosk.Department{Code: "mzj", Name: "县民政局", FullName: "沂源县民政局", OfficeHours: strings.Repeat("时", 101)}, "office_hours"},
	} {
		if _, err := s.SaveDepartment(ctx, admin, c.in); fieldOf(err) != c.field {
			t.Errorf("%+v: %v, want an error on %s", c.in, err, c.field)
		}
	}
	var detail string
	db.Get(&detail, `SELECT detail::text FROM audit_log WHERE action = 'department.save' AND actor = 'root'`)
	if !strings.Contains(detail, "8:30") {
		t.Errorf("audit detail %s", detail)
	}
}
