package applications_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/govhall/govhall/hotline/applications"
	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/queries"
)

// TestSubmitRefusesBadInputByField: every rule of the form names its field
// in Chinese, and a refused application writes nothing.
func TestSubmitRefusesBadInputByField(t *testing.T) {
	f := newFixture(t, at(2025, 9, 30, 10, 0))
	citizen, staff := queries.Citizen("1.2.3.4"), f.actor("liaison_mzj")
	tests := []struct {
		field string
		who   queries.Actor
		edit  func(*applications.NewApplication)
	}{
		{"department", citizen, func(a *applications.NewApplication) { a.Department = "" }},
		{"department", citizen, func(a *applications.NewApplication) { a.Department = "县外星局" }},
		{"channel", citizen, func(a *applications.NewApplication) { a.Channel = "window" }},
		{"channel", staff, func(a *applications.NewApplication) { a.Channel = "kiosk" }},
		{"applicant_type", citizen, func(a *applications.NewApplication) { a.ApplicantType = "company" }},
		{"name", citizen, func(a *applications.NewApplication) { a.Name = " " }},
		{"id_type", citizen, func(a *applications.NewApplication) { a.IDType = "" }},
		{"id_number", citizen, func(a *applications.NewApplication) { a.IDNumber = "370323199001011235" }}, // check digit
		{"id_number", citizen, func(a *applications.NewApplication) { a.IDNumber = "370323199002301234" }}, // 30 February
		{"id_number", citizen, func(a *applications.NewApplication) { a.IDNumber = "37032319900101123" }},  // 17 digits
		{"credit_code", citizen, func(a *applications.NewApplication) { a.CreditCode = orgCode }},
		{"phone", citizen, func(a *applications.NewApplication) { a.Phone = "" }},
		{"phone", citizen, func(a *applications.NewApplication) { a.Phone = "138-abc" }},
		{"email", citizen, func(a *applications.NewApplication) { a.Email = "zsf@" }},
		{"email", citizen, func(a *applications.NewApplication) { a.Email = "" }}, // pickup by e-mail
		{"information", citizen, func(a *applications.NewApplication) { a.Information = "" }},
		{"delivery", citizen, func(a *applications.NewApplication) { a.Delivery = "fax" }},
		{"pickup", citizen, func(a *applications.NewApplication) { a.Delivery = "paper" }}, // paper by e-mail
		{"address", citizen, func(a *applications.NewApplication) { a.Delivery, a.Pickup, a.Address = "post", "post", "" }},
		{"received_on", citizen, func(a *applications.NewApplication) { a.ReceivedOn = "2025-09-29" }},
		{"received_on", staff, func(a *applications.NewApplication) { a.Channel = "post" }},
		{"received_on", staff, func(a *applications.NewApplication) { a.Channel, a.ReceivedOn = "post", "2025-10-01" }},
		{"received_on", staff, func(a *applications.NewApplication) { a.Channel, a.ReceivedOn = "post", "2025/09/29" }},
	}
	for _, tt := range tests {
		in := person()
		if tt.who.AccountID != 0 {
			in.Channel = "window"
		}
		tt.edit(&in)
		_, err := f.s.Submit(f.ctx, tt.who, in)
		f.mustField(err, tt.field, tt.field)
		var fe *queries.FieldError
		errorsAs(err, &fe)
		if !strings.ContainsFunc(fe.Msg, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) {
			t.Errorf("%s: the message %q is not in Chinese", tt.field, fe.Msg)
		}
	}
	orgTests := []struct {
		field string
		edit  func(*applications.NewApplication)
	}{
		{"credit_code", func(a *applications.NewApplication) { a.CreditCode = "" }},
		{"credit_code", func(a *applications.NewApplication) { a.CreditCode = "91350100M000100Y44" }},
		{"credit_code", func(a *applications.NewApplication) { a.CreditCode = "91350100M000100I43" }},
		{"credit_code", func(a *applications.NewApplication) { a.CreditCode = "9135010" }},
		{"contact_person", func(a *applications.NewApplication) { a.ContactPerson = "" }},
		{"id_type", func(a *applications.NewApplication) { a.IDNumber = personID }},
	}
	for _, tt := range orgTests {
		in := company()
		tt.edit(&in)
		_, err := f.s.Submit(f.ctx, staff, in)
		f.mustField(err, tt.field, "organisation "+tt.field)
	}
	_, err := f.s.Submit(f.ctx, f.actor("head_mzj"), company())
	f.mustFail(err, queries.ErrForbidden, "a reviewer entering an application")
	var n int
	f.must(f.db.Get(&n, `SELECT (SELECT count(*) FROM applications) + (SELECT count(*) FROM queries)`))
	if n != 0 {
		t.Fatalf("refused applications wrote %d rows", n)
	}
}

func errorsAs(err error, fe **queries.FieldError) {
	for err != nil {
		if e, ok := err.(*queries.FieldError); ok {
			*fe = e
			return
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return
		}
		err = u.Unwrap()
	}
}

// TestPersonalDataIsSealedAndMasked: the rows hold no plaintext name, ID
// number, phone, address or e-mail; the handling department's liaison sees
// them, every other viewer sees them masked, another department's liaison
// nothing; the public status page and the events carry nothing personal.
func TestPersonalDataIsSealedAndMasked(t *testing.T) {
	f := newFixture(t, at(2025, 9, 30, 10, 0))
	out := f.submit(queries.Citizen("1.2.3.4"), person())
	if out.Department != "县民政局" || out.DueDate.String() != "2025-11-04" {
		t.Errorf("submitted = %+v, want 县民政局 due 2025-11-04 (Oct 1–8 are holidays, Sat Oct 11 is worked)", out)
	}
	secrets := []string{personName, personID, personTel, "健康路1号", "zsf@example.com"}
	var dump string
	f.must(f.db.Get(&dump, `SELECT concat_ws('|', (SELECT string_agg(row_to_json(a)::text, '|') FROM applications a),
		(SELECT string_agg(row_to_json(q)::text, '|') FROM queries q), (SELECT string_agg(row_to_json(e)::text, '|') FROM query_events e),
		(SELECT string_agg(row_to_json(n)::text, '|') FROM notification_outbox n),
		(SELECT string_agg(encode(applicant_enc, 'escape'), '|') FROM applications))`))
	for _, s := range secrets {
		if strings.Contains(dump, s) {
			t.Errorf("the database holds %q in plaintext", s)
		}
	}
	var masked, keyID string
	f.must(f.db.QueryRow(`SELECT applicant_masked, key_id FROM applications`).Scan(&masked, &keyID))
	if masked != "张**" || keyID != f.keys.ID() {
		t.Errorf("masked = %q, key id %q", masked, keyID)
	}

	full := f.get(out.Code)
	if full.Applicant.Masked || full.Applicant.Name != personName || full.Applicant.IDNumber != personID || full.Applicant.Phone != personTel ||
		!strings.Contains(full.Information, personID) || !full.CanHandle {
		t.Errorf("the handling liaison sees %+v / %q", full.Applicant, full.Information)
	}
	for _, who := range []string{"admin", "supervisor", "operator", "head_mzj"} {
		v, err := f.s.Get(f.ctx, f.actor(who), out.Code)
		f.must(err)
		js, _ := json.Marshal(v)
		for _, s := range secrets {
			if strings.Contains(string(js), s) {
				t.Errorf("%s sees %q: %s", who, s, js)
			}
		}
		if !v.Applicant.Masked || v.Applicant.Name != "张**" || v.Applicant.IDNumber != "370323********1234" || v.Applicant.Phone != "138****5678" || v.CanHandle {
			t.Errorf("%s sees %+v", who, v.Applicant)
		}
	}
	_, err := f.s.Get(f.ctx, f.actor("liaison_rsj"), out.Code)
	f.mustFail(err, queries.ErrForbidden, "another department's liaison")
	_, err = f.s.Get(f.ctx, queries.Citizen("1.2.3.4"), out.Code)
	f.mustFail(err, queries.ErrForbidden, "a citizen")

	pub, err := f.q.Public(f.ctx, out.Code)
	f.must(err)
	js, _ := json.Marshal(pub)
	for _, s := range secrets {
		if strings.Contains(string(js), s) {
			t.Errorf("the public status page leaks %q: %s", s, js)
		}
	}
	if pub.Name != "张**" || !strings.Contains(pub.Question, "张**") || !strings.Contains(pub.Question, "370323********1234") {
		t.Errorf("public view: name %q, question %q", pub.Name, pub.Question)
	}

	// Another key cannot open the rows.
	other, _ := applications.NewKeys([]byte("another key of thirty-two bytes!"))
	s2 := applications.NewStore(f.db, f.q, nil, other, applications.Options{Now: f.clock})
	if _, err := s2.Get(f.ctx, f.actor("liaison_mzj"), out.Code); err == nil || !strings.Contains(err.Error(), "GOVHALL_DATA_KEY") {
		t.Errorf("opened with another key: %v", err)
	}
}

// TestCorrectionRestartsInFull: received Fri 2025-09-26 (due 2025-10-30:
// Sun Sep 28 is worked, Oct 1–8 are holidays),
// a 补正 asked on Mon 2025-09-29 and received on Thu 2025-10-09: the 20
// working days run again from 2025-10-09, due 2025-11-05. The public page
// shows what is missing with the applicant's name masked.
func TestCorrectionRestartsInFull(t *testing.T) {
	f := newFixture(t, at(2025, 9, 26, 9, 0))
	out := f.submit(queries.Citizen("1.2.3.4"), person())
	if out.DueDate.String() != "2025-10-30" {
		t.Fatalf("due %s, want 2025-10-30", out.DueDate)
	}
	mzj := f.actor("liaison_mzj")
	f.set(at(2025, 9, 29, 10, 0))
	f.mustField(f.s.RequestCorrection(f.ctx, mzj, out.Code, " "), "missing", "no text")
	f.mustFail(f.s.RequestCorrection(f.ctx, f.actor("liaison_rsj"), out.Code, "x"), queries.ErrForbidden, "another department")
	f.mustFail(f.s.Corrected(f.ctx, mzj, out.Code, applications.Correction{}), queries.ErrConflict, "corrected before asked")
	f.must(f.s.RequestCorrection(f.ctx, mzj, out.Code, "请张三丰写明所需信息的年份和所在乡镇"))
	f.mustFail(f.s.RequestCorrection(f.ctx, mzj, out.Code, "again"), queries.ErrConflict, "asked twice")
	v := f.get(out.Code)
	if v.State != "correction" || !v.Clock.Stopped || v.Clock.Light != queries.LightStopped || len(v.Corrections) != 1 || v.Corrections[0].Missing != "请张**写明所需信息的年份和所在乡镇" {
		t.Errorf("waiting for the correction: %s %+v %+v", v.State, v.Clock, v.Corrections)
	}
	f.set(at(2025, 10, 9, 15, 0))
	f.mustField(f.s.Corrected(f.ctx, mzj, out.Code, applications.Correction{ReceivedOn: "2025-10-10"}), "received_on", "corrected tomorrow")
	f.mustField(f.s.Corrected(f.ctx, mzj, out.Code, applications.Correction{ReceivedOn: "2025-09-28"}), "received_on", "corrected before asked")
	f.must(f.s.Corrected(f.ctx, mzj, out.Code, applications.Correction{Note: "已补充为2024年历山街道"}))
	v = f.get(out.Code)
	if v.State != "received" || v.Clock.Stopped || v.Clock.DueDate.String() != "2025-11-05" || v.Corrections[0].Received != "2025-10-09" || v.Corrections[0].Due != "2025-11-05" {
		t.Errorf("after the correction: %s, clock %+v, %+v", v.State, v.Clock, v.Corrections)
	}
	pub, err := f.q.Public(f.ctx, out.Code)
	f.must(err)
	texts := ""
	for _, h := range pub.History {
		texts += h.Text + "\n"
	}
	if dueDate(pub.DueAt) != "2025-11-05" || !strings.Contains(texts, "需补正的内容：请张**写明") || !strings.Contains(texts, "答复期限自2025-10-09起重新计算，至2025-11-05") ||
		strings.Contains(texts, personName) {
		t.Errorf("public page: due %s, history:\n%s", dueDate(pub.DueAt), texts)
	}
	// A letter corrected earlier than today restarts from that day.
	letter := company()
	letter.Channel, letter.ReceivedOn = "post", "2025-10-09"
	l := f.submit(mzj, letter)
	f.must(f.s.RequestCorrection(f.ctx, mzj, l.Code, "请提供营业执照复印件"))
	f.set(at(2025, 10, 14, 9, 0))
	f.must(f.s.Corrected(f.ctx, mzj, l.Code, applications.Correction{ReceivedOn: "2025-10-13"}))
	if v := f.get(l.Code); v.ReceivedOn.String() != "2025-10-09" || v.Clock.DueDate.String() != "2025-11-10" {
		t.Errorf("letter corrected on 2025-10-13: received %s, due %s; want 2025-11-10", v.ReceivedOn, v.Clock.DueDate)
	}
}

func dueDate(t interface{ Format(string) string }) string { return t.Format("2006-01-02") }

// TestConsultationIsNotCounted: received Tue 2024-09-10 (due 2024-10-14:
// 中秋 Sep 15–17 with Sat Sep 14 worked, 国庆 Oct 1–7 with Sun Sep 29 and
// Sat Oct 12 worked); a third party is asked on Thu 2024-09-12 and has 15
// working days, to 2024-10-10; it objects on Fri 2024-09-20, so the 5
// working days between do not count: due 2024-10-21.
func TestConsultationIsNotCounted(t *testing.T) {
	f := newFixture(t, at(2024, 9, 10, 10, 0))
	out := f.submit(f.actor("liaison_mzj"), company())
	if out.DueDate.String() != "2024-10-14" {
		t.Fatalf("due %s, want 2024-10-14", out.DueDate)
	}
	mzj := f.actor("liaison_mzj")
	f.set(at(2024, 9, 12, 10, 0))
	f.mustField(f.s.StartConsultation(f.ctx, mzj, out.Code, applications.Consultation{}), "third_party", "no third party")
	f.must(f.s.StartConsultation(f.ctx, mzj, out.Code, applications.Consultation{ThirdParty: "沂源县某某颐养中心（王五）", Note: "涉及该中心的运营数据"}))
	f.mustFail(f.s.RequestCorrection(f.ctx, mzj, out.Code, "x"), queries.ErrConflict, "补正 while consulting")
	f.mustFail(f.s.Decide(f.ctx, mzj, out.Code, applications.DecideInput{Decision: applications.Granted, Text: "x"}), queries.ErrConflict, "decide while consulting")
	v := f.get(out.Code)
	if v.State != "consulting" || len(v.Consultations) != 1 || v.Consultations[0].DueOn.String() != "2024-10-10" ||
		v.Consultations[0].ThirdParty != "沂源县某某颐养中心（王五）" || !strings.Contains(v.Clock.LightText, "2024-10-10") {
		t.Errorf("consulting: %s %+v %+v", v.State, v.Consultations, v.Clock)
	}
	desk, err := f.q.Desk(f.ctx, mzj, "")
	f.must(err)
	if len(desk) != 1 || desk[0].LightText != "暂停计时（征求第三方意见）" {
		t.Errorf("the liaison desk shows %+v", desk)
	}
	admin, err := f.s.Get(f.ctx, f.actor("admin"), out.Code)
	f.must(err)
	var dump string
	f.must(f.db.Get(&dump, `SELECT concat_ws('|', (SELECT string_agg(row_to_json(c)::text, '|') FROM application_consultations c),
		(SELECT string_agg(row_to_json(e)::text, '|') FROM query_events e), (SELECT string_agg(reason, '|') FROM query_clock_stops))`))
	js, _ := json.Marshal(admin)
	pub, _ := f.q.Public(f.ctx, out.Code)
	pjs, _ := json.Marshal(pub)
	for what, s := range map[string]string{"the database": dump, "an admin's view": string(js), "the public page": string(pjs)} {
		if strings.Contains(s, "颐养中心") {
			t.Errorf("%s names the third party", what)
		}
	}
	f.set(at(2024, 9, 20, 16, 0))
	f.mustField(f.s.EndConsultation(f.ctx, mzj, out.Code, applications.ConsultationEnd{Opinion: "maybe"}), "opinion", "unknown opinion")
	f.must(f.s.EndConsultation(f.ctx, mzj, out.Code, applications.ConsultationEnd{Opinion: "object", Note: "第三方书面反对，理由为商业秘密"}))
	v = f.get(out.Code)
	if v.State != "received" || v.Clock.DueDate.String() != "2024-10-21" || v.Consultations[0].OpinionText != "不同意公开" || v.Consultations[0].Ended != "2024-09-20" {
		t.Errorf("after the consultation: %s due %s, %+v", v.State, v.Clock.DueDate, v.Consultations)
	}
	f.set(at(2024, 10, 18, 10, 0))
	f.must(f.s.Decide(f.ctx, mzj, out.Code, applications.DecideInput{Decision: applications.Denied, Reason: "third_party",
		Text: "所申请的运营数据涉及第三方商业秘密，第三方不同意公开，不公开不会对公共利益造成重大影响。"}))
	n, err := f.s.Notice(f.ctx, mzj, out.Code)
	f.must(err)
	all := strings.Join(n.Paragraphs, "")
	if !strings.Contains(all, "第三十二条") || !strings.Contains(all, "保护第三方合法权益") || !strings.Contains(all, "第十五条") || !strings.Contains(all, "你单位") {
		t.Errorf("notice paragraphs: %s", all)
	}
}

// TestExtensionAddsTwenty: received Mon 2026-01-05 (due 2026-02-02), the
// head of the department approves 20 more working days: due 2026-03-06
// (春节 Feb 15–23, Sat Feb 14 and Sat Feb 28 worked).
func TestExtensionAddsTwenty(t *testing.T) {
	f := newFixture(t, at(2026, 1, 5, 9, 0))
	out := f.submit(queries.Citizen("1.2.3.4"), person())
	if out.DueDate.String() != "2026-02-02" {
		t.Fatalf("due %s, want 2026-02-02", out.DueDate)
	}
	mzj := f.actor("liaison_mzj")
	f.set(at(2026, 1, 26, 9, 0))
	f.mustField(f.s.RequestExtension(f.ctx, mzj, out.Code, ""), "reason", "no reason")
	f.must(f.s.RequestExtension(f.ctx, mzj, out.Code, "需要调取三个乡镇的档案"))
	if v := f.get(out.Code); !v.Clock.ExtensionPending || !strings.Contains(v.Clock.LightText, "延期待批") {
		t.Errorf("pending extension not shown: %+v", v.Clock)
	}
	aps, err := f.q.Approvals(f.ctx, f.actor("head_mzj"), true, 10)
	f.must(err)
	if len(aps) != 1 || aps[0].Days != 40 {
		t.Fatalf("approvals = %+v", aps)
	}
	f.must(f.q.Decide(f.ctx, f.actor("head_mzj"), aps[0].ID, queries.Decision{Approve: true}))
	v := f.get(out.Code)
	if v.Clock.Limit != calendar.ApplicationExtended || v.Clock.DueDate.String() != "2026-03-06" || v.Clock.ExtensionPending {
		t.Errorf("extended clock = %+v, want application_extended due 2026-03-06", v.Clock)
	}
	f.mustFail(f.s.RequestExtension(f.ctx, mzj, out.Code, "再延一次"), queries.ErrConflict, "a second extension")
	f.set(at(2026, 3, 2, 9, 0))
	f.must(f.s.Decide(f.ctx, mzj, out.Code, applications.DecideInput{Decision: applications.Granted, Text: "低保资金发放情况见附表。"}))
	n, err := f.s.Notice(f.ctx, mzj, out.Code)
	f.must(err)
	if !strings.Contains(strings.Join(n.Paragraphs, ""), "延长二十个工作日") {
		t.Errorf("the notice does not tell of the extension: %v", n.Paragraphs)
	}
}
