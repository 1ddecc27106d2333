package server_test

import (
	"strings"
	"testing"
)

func TestCalendarEndpoints(t *testing.T) {
	f := newFixture(t)
	st, body := f.do("GET", "/api/v1/calendar/due?from=2025-09-30&kind=ordinary", "", "")
	if st != 200 || !strings.Contains(body, "2025-10-14") {
		t.Fatalf("due = %d %s, want 2025-10-14", st, body)
	}
	notice := `{"year":2027,"title":"国务院办公厅关于2027年部分节假日安排的通知","published_on":"2026-11-10","days":[{"date":"2027-01-01","kind":"holiday","name":"元旦"}]}`
	if st, _ := f.do("POST", "/api/v1/staff/calendar/notices", f.login("operator1"), notice); st != 403 {
		t.Fatalf("operator adding a notice = %d, want 403", st)
	}
	admin := f.login("admin1")
	if st, body := f.do("POST", "/api/v1/staff/calendar/notices", admin, strings.Replace(notice, `"kind":"holiday"`, `"kind":"party"`, 1)); st != 400 || !strings.Contains(body, "days[0]") {
		t.Fatalf("bad notice = %d %s", st, body)
	}
	if st, body := f.do("POST", "/api/v1/staff/calendar/notices", admin, notice); st != 200 {
		t.Fatalf("add notice = %d %s", st, body)
	}
	if st, _ := f.do("POST", "/api/v1/staff/calendar/notices", admin, notice); st != 409 {
		t.Fatalf("adding it twice = %d, want 409", st)
	}
	_, body = f.do("GET", "/api/v1/calendar/notices", "", "")
	if !strings.Contains(body, `"year":2027`) {
		t.Fatalf("notices = %s", body)
	}
	var audited int
	f.db.Get(&audited, `SELECT count(*) FROM audit_log WHERE action = 'calendar.notice.add'`)
	if audited != 1 {
		t.Errorf("%d audit rows for the notice, want 1", audited)
	}
}
