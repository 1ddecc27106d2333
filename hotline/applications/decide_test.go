package applications_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/govhall/govhall/hotline/applications"
	"github.com/govhall/govhall/hotline/queries"
)

// TestEveryDecisionWithAndWithoutReasons: each of the six decisions is
// refused without a reason exactly when it has reasons, and with a reason
// exactly when it has none; each of the 19 reasons decides an application,
// closes its clock, numbers its notice and words the notice with the
// reason's legal basis; the public page shows the decision and its basis
// and nothing else.
func TestEveryDecisionWithAndWithoutReasons(t *testing.T) {
	f := newFixture(t, at(2025, 3, 3, 10, 0))
	mzj := f.actor("liaison_mzj")
	doc := f.publishedDoc("2024年城乡低保资金发放情况", "主动公开")
	seq := 0
	for _, d := range applications.Decisions {
		reasons := d.Reasons
		if len(reasons) == 0 {
			reasons = []applications.Reason{{}}
		}
		for _, r := range reasons {
			out := f.submit(queries.Citizen("1.2.3.4"), person())
			in := applications.DecideInput{Decision: d.Code, Text: "说明：" + d.Code}
			if d.Code == applications.Partial {
				in.Withheld = "表中涉及个人身份的栏目不予公开（第十五条）"
			}
			if d.Code == applications.Granted || d.Code == applications.Partial {
				in.Documents = []int64{doc}
			}
			wrong := in
			if len(d.Reasons) == 0 {
				wrong.Reason = "state_secret"
			}
			f.mustField(f.s.Decide(f.ctx, mzj, out.Code, wrong), "reason", d.Code+" with the wrong reason presence")
			if len(d.Reasons) > 0 {
				wrong.Reason = "not_held_at_all"
				f.mustField(f.s.Decide(f.ctx, mzj, out.Code, wrong), "reason", d.Code+" with an unknown reason")
			}
			in.Reason = r.Code
			f.mustFail(f.s.Decide(f.ctx, f.actor("liaison_rsj"), out.Code, in), queries.ErrForbidden, "another department decides")
			f.mustFail(f.s.Decide(f.ctx, f.actor("admin"), out.Code, in), queries.ErrForbidden, "an admin decides")
			f.must(f.s.Decide(f.ctx, mzj, out.Code, in))
			seq++
			v := f.get(out.Code)
			if v.State != "decided" || v.Decision == nil || v.Decision.Decision != d.Code || v.Decision.Reason != r.Code ||
				v.Decision.DecidedOn.String() != "2025-03-03" || v.Decision.DecidedBy != "liaison_mzj" || v.Clock.Open || v.Clock.Light != "done" {
				t.Fatalf("%s/%s: %+v %+v", d.Code, r.Code, v.Decision, v.Clock)
			}
			if want := "县民政局依申请公开答复〔2025〕" + itoa(seq) + "号"; v.Decision.NoticeNo != want {
				t.Errorf("%s/%s: notice number %q, want %q", d.Code, r.Code, v.Decision.NoticeNo, want)
			}
			basis := applications.Basis(d.Code, r.Code)
			if basis == "" {
				t.Errorf("%s/%s has no legal basis", d.Code, r.Code)
			}
			n, err := f.s.Notice(f.ctx, mzj, out.Code)
			f.must(err)
			body := strings.Join(n.Paragraphs, "")
			if !strings.Contains(body, basis) || (r.Text != "" && d.Code != applications.OtherHandled && !strings.Contains(body, r.Text)) ||
				n.Remedy == "" || n.Date != "2025年3月3日" || n.To != personName || n.Agency != "沂源县民政局" {
				t.Errorf("%s/%s notice: %+v", d.Code, r.Code, n)
			}
			if (d.Code == applications.Granted || d.Code == applications.Partial) && (len(n.Documents) != 1 || n.Documents[0].ID != doc) {
				t.Errorf("%s: the notice does not list the disclosed document: %+v", d.Code, n.Documents)
			}
			pub, err := f.q.Public(f.ctx, out.Code)
			f.must(err)
			if pub.Status != queries.Answered || !strings.Contains(pub.Answer, applications.DecisionShort(d.Code)) || !strings.Contains(pub.Answer, basis) ||
				strings.Contains(pub.Answer, "说明：") || strings.Contains(pub.Answer, "个人身份的栏目") {
				t.Errorf("%s/%s public answer: %q", d.Code, r.Code, pub.Answer)
			}
			f.mustFail(f.s.Decide(f.ctx, mzj, out.Code, in), queries.ErrConflict, "decide twice")
		}
	}
	if seq != 2+19 {
		t.Errorf("%d decisions made, want 21 (2 without reasons, 19 reasons)", seq)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestDecisionInputs: what a decision needs besides its reason.
func TestDecisionInputs(t *testing.T) {
	f := newFixture(t, at(2025, 3, 3, 10, 0))
	mzj := f.actor("liaison_mzj")
	out := f.submit(queries.Citizen("1.2.3.4"), person())
	withheldDoc := f.publishedDoc("低保对象个人信息明细", "不予公开")
	draft := f.publishedDoc("未发布的草稿", "主动公开")
	f.db.MustExec(`UPDATE documents SET state = 'draft' WHERE id = $1`, draft)
	tests := []struct {
		field string
		in    applications.DecideInput
	}{
		{"decision", applications.DecideInput{Decision: "yes"}},
		{"text", applications.DecideInput{Decision: applications.Granted}},
		{"withheld", applications.DecideInput{Decision: applications.Partial, Text: "x"}},
		{"withheld", applications.DecideInput{Decision: applications.Granted, Text: "x", Withheld: "y"}},
		{"documents", applications.DecideInput{Decision: applications.Granted, Documents: []int64{withheldDoc}}},
		{"documents", applications.DecideInput{Decision: applications.Granted, Documents: []int64{draft}}},
		{"documents", applications.DecideInput{Decision: applications.Unable, Reason: "not_held", Documents: []int64{draft}}},
		{"text", applications.DecideInput{Decision: applications.Granted, Text: strings.Repeat("字", applications.MaxText+1)}},
	}
	for _, tt := range tests {
		f.mustField(f.s.Decide(f.ctx, mzj, out.Code, tt.in), tt.field, tt.field)
	}
	if v := f.get(out.Code); v.State != "received" || !v.Clock.Open {
		t.Fatalf("refused decisions changed the application: %+v", v)
	}
	// Staff texts lose the applicant's personal data before they are stored.
	f.must(f.s.Decide(f.ctx, mzj, out.Code, applications.DecideInput{Decision: applications.Unable, Reason: "not_held",
		Text: "张三丰您好：本机关不掌握该信息，建议向县财政局（0533-3240001）咨询；联系电话13812345678。"}))
	var text string
	f.must(f.db.Get(&text, `SELECT decision_text FROM applications`))
	if strings.Contains(text, personName) || strings.Contains(text, personTel) || !strings.Contains(text, "张**您好") || !strings.Contains(text, "0533-3240001") {
		t.Errorf("stored decision text %q", text)
	}
}

// TestReceivedAtYearEndDecidedInJanuary: an application received on Thu
// 2025-12-25 is due on 2026-01-23 (元旦 Jan 1–3, Sun Jan 4 worked) and
// decided on 2026-01-12: received in 2025, decided in 2026, numbered in
// 2026's notices, not overdue.
func TestReceivedAtYearEndDecidedInJanuary(t *testing.T) {
	f := newFixture(t, at(2025, 12, 25, 16, 30))
	out := f.submit(queries.Citizen("1.2.3.4"), person())
	if out.DueDate.String() != "2026-01-23" {
		t.Fatalf("due %s, want 2026-01-23", out.DueDate)
	}
	f.set(at(2026, 1, 12, 10, 0))
	mzj := f.actor("liaison_mzj")
	f.must(f.s.Decide(f.ctx, mzj, out.Code, applications.DecideInput{Decision: applications.Granted, Text: "2024年低保资金发放情况：共发放……"}))
	v := f.get(out.Code)
	if v.ReceivedOn.String() != "2025-12-25" || v.Decision.DecidedOn.String() != "2026-01-12" || v.Decision.NoticeNo != "县民政局依申请公开答复〔2026〕1号" ||
		v.Clock.Overdue || v.Clock.DueDate.String() != "2026-01-23" {
		t.Errorf("decided: received %s, %+v, clock %+v", v.ReceivedOn, v.Decision, v.Clock)
	}
	var y2025, y2026 int
	f.must(f.db.QueryRow(`SELECT count(*) FILTER (WHERE extract(year FROM received_on) = 2025), count(*) FILTER (WHERE extract(year FROM decided_on) = 2026) FROM applications`).Scan(&y2025, &y2026))
	if y2025 != 1 || y2026 != 1 {
		t.Errorf("received in 2025: %d, decided in 2026: %d", y2025, y2026)
	}
	n, err := f.s.Notice(f.ctx, mzj, out.Code)
	f.must(err)
	if !strings.HasPrefix(n.Paragraphs[0], "本机关于2025年12月25日收到你通过政务公开查询终端提出的政府信息公开申请") || n.Date != "2026年1月12日" {
		t.Errorf("notice: %q … %s", n.Paragraphs[0], n.Date)
	}
	items, err := f.s.List(f.ctx, mzj, applications.ListFilter{State: "all"})
	f.must(err)
	if len(items) != 1 || items[0].Decided != "2026-01-12" || items[0].Applicant != "张**" || items[0].DecisionShort != "予以公开" {
		t.Errorf("list = %+v", items)
	}
}

// TestNoticeAndRecords: a partial disclosure's notice lists the document
// and the withheld parts; other staff see the applicant masked; the fee,
// the delivery and a review case are recorded with their rules.
func TestNoticeAndRecords(t *testing.T) {
	f := newFixture(t, at(2025, 3, 3, 10, 0))
	mzj := f.actor("liaison_mzj")
	out := f.submit(mzj, company())
	f.mustFail(f.s.Deliver(f.ctx, mzj, out.Code, applications.Delivery{}), queries.ErrConflict, "deliver before the decision")
	_, err := f.s.Notice(f.ctx, mzj, out.Code)
	f.mustFail(err, queries.ErrConflict, "notice before the decision")
	f.mustField(f.s.RecordFee(f.ctx, mzj, out.Code, applications.Fee{Yuan: "12.345"}), "yuan", "three decimals")
	f.mustField(f.s.RecordFee(f.ctx, mzj, out.Code, applications.Fee{Yuan: "120"}), "note", "a fee without its basis")
	f.mustFail(f.s.RecordFee(f.ctx, f.actor("liaison_rsj"), out.Code, applications.Fee{Yuan: "0"}), queries.ErrForbidden, "another department's fee")
	f.must(f.s.RecordFee(f.ctx, mzj, out.Code, applications.Fee{Yuan: "120", Note: "按量计收，2025年3月3日发出收费通知"}))
	doc := f.publishedDoc("沂源县养老机构运营补贴办法（部分公开）", "主动公开")
	f.must(f.s.Decide(f.ctx, mzj, out.Code, applications.DecideInput{Decision: applications.Partial, Documents: []int64{doc},
		Text: "附件为补贴办法正文。", Withheld: "附件二“补贴对象名单”涉及个人信息，不予公开。\n其余部分予以公开。"}))
	n, err := f.s.Notice(f.ctx, mzj, out.Code)
	f.must(err)
	if n.To != "沂源县某某养老服务有限公司" || len(n.Withheld) != 2 || len(n.Documents) != 1 || !strings.Contains(strings.Join(n.Closing, ""), "信息处理费120元") ||
		!strings.Contains(strings.Join(n.Paragraphs, ""), "区分处理") || !strings.Contains(strings.Join(n.Paragraphs, ""), "服务窗口当面提交") {
		t.Errorf("partial notice: %+v", n)
	}
	masked, err := f.s.Notice(f.ctx, f.actor("admin"), out.Code)
	f.must(err)
	if !masked.Masked {
		t.Errorf("an admin's notice is not marked masked")
	}
	p := person()
	p.Channel = "window"
	pn := f.submit(mzj, p)
	f.must(f.s.Decide(f.ctx, mzj, pn.Code, applications.DecideInput{Decision: applications.NotProcessed, Reason: "repeat"}))
	if n, _ := f.s.Notice(f.ctx, f.actor("supervisor"), pn.Code); n.To != "张**" || !n.Masked {
		t.Errorf("a supervisor's notice is addressed to %q", n.To)
	}

	f.set(at(2025, 3, 5, 10, 0))
	f.mustField(f.s.Deliver(f.ctx, mzj, out.Code, applications.Delivery{Method: "post"}), "note", "post without a number")
	f.mustField(f.s.Deliver(f.ctx, mzj, out.Code, applications.Delivery{On: "2025-03-01"}), "on", "delivered before the decision")
	f.mustField(f.s.Deliver(f.ctx, mzj, out.Code, applications.Delivery{Method: "pigeon"}), "method", "unknown method")
	f.must(f.s.Deliver(f.ctx, mzj, out.Code, applications.Delivery{Note: "联系人李四签收"}))
	v := f.get(out.Code)
	if v.Decision.DeliveredOn != "2025-03-05" || v.Decision.DeliveryMethod != "window" || v.FeeYuan != "120.00" {
		t.Errorf("delivery %+v, fee %s", v.Decision, v.FeeYuan)
	}

	f.mustField(recordCase(f, out.Code, applications.CaseInput{Kind: "appeal", FiledOn: "2025-03-04"}), "kind", "unknown kind")
	f.mustField(recordCase(f, out.Code, applications.CaseInput{Kind: applications.Review}), "filed_on", "no filing date")
	f.mustField(recordCase(f, out.Code, applications.CaseInput{Kind: applications.Review, FiledOn: "2025-03-04", Outcome: applications.Upheld}), "closed_on", "closed without a date")
	f.mustField(recordCase(f, out.Code, applications.CaseInput{Kind: applications.Review, FiledOn: "2025-03-04", ClosedOn: "2025-03-05"}), "closed_on", "pending with a date")
	id, err := f.s.AddCase(f.ctx, f.actor("supervisor"), out.Code, applications.CaseInput{Kind: applications.Review, FiledOn: "2025-03-04", Note: "县人民政府行政复议"})
	f.must(err)
	_, err = f.s.AddCase(f.ctx, f.actor("operator"), out.Code, applications.CaseInput{Kind: applications.Review, FiledOn: "2025-03-04"})
	f.mustFail(err, queries.ErrForbidden, "an operator records a case")
	f.must(f.s.UpdateCase(f.ctx, mzj, out.Code, id, applications.CaseInput{Kind: applications.Review, FiledOn: "2025-03-04", Outcome: applications.Corrected, ClosedOn: "2025-03-05", Note: "责令重新答复"}))
	f.mustFail(f.s.UpdateCase(f.ctx, mzj, pn.Code, id, applications.CaseInput{Kind: applications.Review, FiledOn: "2025-03-04"}), queries.ErrNotFound, "a case of another application")
	v = f.get(out.Code)
	if len(v.Cases) != 1 || v.Cases[0].Outcome != applications.Corrected || v.Cases[0].Closed != "2025-03-05" || v.Cases[0].Text != "纠正" {
		t.Errorf("cases = %+v", v.Cases)
	}
}

func recordCase(f *fixture, code string, in applications.CaseInput) error {
	_, err := f.s.AddCase(f.ctx, f.actor("liaison_mzj"), code, in)
	return err
}

// TestListByWorkingDaysLeft: the department's open applications by working
// days left, stopped ones last; another department's liaison sees none.
func TestListByWorkingDaysLeft(t *testing.T) {
	f := newFixture(t, at(2025, 3, 3, 10, 0))
	mzj := f.actor("liaison_mzj")
	early := f.submit(queries.Citizen("1.2.3.4"), person())
	f.set(at(2025, 3, 10, 10, 0))
	later := f.submit(queries.Citizen("1.2.3.4"), person())
	stopped := f.submit(mzj, company())
	f.must(f.s.RequestCorrection(f.ctx, mzj, stopped.Code, "请提供营业执照"))
	f.set(at(2025, 3, 27, 10, 0))
	items, err := f.s.List(f.ctx, mzj, applications.ListFilter{})
	f.must(err)
	var got []string
	for _, it := range items {
		got = append(got, it.Code+":"+it.Clock.Light)
	}
	want := []string{early.Code + ":amber", later.Code + ":green", stopped.Code + ":stopped"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("list = %v, want %v", got, want)
	}
	if items[0].Clock.WorkingLeft != 2 || items[0].Clock.LightText != "剩余 2 个工作日" {
		t.Errorf("first item: %+v", items[0].Clock)
	}
	if items, err := f.s.List(f.ctx, f.actor("liaison_rsj"), applications.ListFilter{}); err != nil || len(items) != 0 {
		t.Errorf("another department lists %d (%v)", len(items), err)
	}
	_, err = f.s.List(f.ctx, f.actor("operator"), applications.ListFilter{})
	f.mustFail(err, queries.ErrForbidden, "an operator lists")
	if items, err := f.s.List(f.ctx, f.actor("admin"), applications.ListFilter{Department: "mzj", State: "all"}); err != nil || len(items) != 3 {
		t.Errorf("admin lists %d (%v)", len(items), err)
	}
}

// TestGenericHandlingIsRefused: an application is handled as an
// application: the queries' own answer, stop, resume and forward refuse
// it (its state would drift from its query), while a query of kind
// application recorded without one is handled as any query.
func TestGenericHandlingIsRefused(t *testing.T) {
	f := newFixture(t, at(2025, 3, 3, 10, 0))
	mzj := f.actor("liaison_mzj")
	out := f.submit(queries.Citizen("1.2.3.4"), person())
	f.mustFail(f.q.Answer(f.ctx, mzj, out.Code, queries.AnswerInput{Body: "已答复"}), queries.ErrConflict, "a generic answer")
	f.mustFail(f.q.Stop(f.ctx, mzj, out.Code, "补正"), queries.ErrConflict, "a generic stop")
	f.mustFail(f.q.Forward(f.ctx, mzj, out.Code, "不归我们"), queries.ErrConflict, "a generic forward")
	f.must(f.s.RequestCorrection(f.ctx, mzj, out.Code, "请写明年份"))
	f.mustFail(f.q.Resume(f.ctx, mzj, out.Code, ""), queries.ErrConflict, "a generic resume")
	if v := f.get(out.Code); v.State != "correction" || !v.Clock.Stopped {
		t.Errorf("the application drifted: %s %+v", v.State, v.Clock)
	}
	phone, err := f.q.Create(f.ctx, f.actor("operator"), queries.NewQuery{Channel: "phone", Question: "申请公开某文件", Department: "mzj", Kind: queries.KindApplication})
	f.must(err)
	f.must(f.q.Answer(f.ctx, mzj, phone.Code, queries.AnswerInput{Body: "请通过网站或窗口提交书面申请。"}))
}
