package queries_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/govhall/govhall/hotline/queries"
)

// TestKnowledgeBase: a general answer is proposed with personal data
// masked, published only by a reviewer other than the proposer, then found
// by Chinese search.
func TestKnowledgeBase(t *testing.T) {
	f := newFixture(t)
	c := f.create(f.actor("operator"), queries.NewQuery{Channel: "phone", Question: "王小明问：最低生活保障标准是多少？电话13700001111",
		Name: "王小明", Phone: "13700001111", Department: "mzj"})
	f.must(f.s.Answer(f.ctx, f.actor("liaison_mzj"), c.Code, queries.AnswerInput{Body: "王小明您好，2025年城市低保标准为每人每月900元，身份证370323199001011234请带齐。", General: true}))
	pending, err := f.s.PendingKnowledge(f.ctx, 10)
	f.must(err)
	if len(pending) != 1 {
		t.Fatalf("%d pending entries, want 1", len(pending))
	}
	e := pending[0]
	for _, secret := range []string{"王小明", "13700001111", "370323199001011234"} {
		if strings.Contains(e.Question+e.Answer, secret) {
			t.Errorf("proposed entry keeps %q: %s / %s", secret, e.Question, e.Answer)
		}
	}
	if hits, _ := f.s.Knowledge(f.ctx, "低保标准", 10, 0); len(hits) != 0 {
		t.Error("an unreviewed entry is searchable")
	}
	f.mustFail(f.s.ReviewKnowledge(f.ctx, f.actor("operator"), e.ID, queries.KnowledgeReview{Approve: true}), queries.ErrForbidden, "review by an operator")
	f.mustFail(f.s.ReviewKnowledge(f.ctx, f.actor("reviewer"), e.ID, queries.KnowledgeReview{}), queries.ErrInvalid, "rejection without note")
	f.must(f.s.ReviewKnowledge(f.ctx, f.actor("reviewer"), e.ID, queries.KnowledgeReview{Approve: true,
		Question: "最低生活保障标准是多少？", Answer: "2025年城市低保标准为每人每月900元。"}))
	f.mustFail(f.s.ReviewKnowledge(f.ctx, f.actor("admin"), e.ID, queries.KnowledgeReview{Approve: true}), queries.ErrConflict, "review twice")

	faq, err := f.s.AddFAQ(f.ctx, f.actor("reviewer"), "社保卡丢了怎么补办？", "携带身份证到人社局服务窗口补办。")
	f.must(err)
	f.mustFail(f.s.ReviewKnowledge(f.ctx, f.actor("reviewer"), faq, queries.KnowledgeReview{Approve: true}), queries.ErrForbidden, "reviewing one's own FAQ")
	f.must(f.s.ReviewKnowledge(f.ctx, f.actor("head_mzj"), faq, queries.KnowledgeReview{Approve: true}))

	tests := []struct {
		q, first string
		n        int
	}{
		{"低保", "最低生活保障标准是多少？", 1},
		{"城市低保标准", "最低生活保障标准是多少？", 1},
		{"社保卡补办", "社保卡丢了怎么补办？", 1},
		{"保", "", 2},
		{"公积金提取", "", 0},
	}
	for _, tt := range tests {
		hits, err := f.s.Knowledge(f.ctx, tt.q, 10, 0)
		f.must(err)
		if len(hits) != tt.n || tt.first != "" && hits[0].Question != tt.first {
			t.Errorf("search %q: %d hits %+v, want %d first %q", tt.q, len(hits), hits, tt.n, tt.first)
		}
	}
	all, err := f.s.Knowledge(f.ctx, "", 10, 0)
	f.must(err)
	if len(all) != 2 {
		t.Errorf("%d published entries, want 2", len(all))
	}
	var audits int
	f.db.Get(&audits, `SELECT count(*) FROM audit_log WHERE action = 'knowledge.published'`)
	if audits != 2 {
		t.Errorf("%d audited publications, want 2", audits)
	}
}

type failingSender struct{}

func (failingSender) Send(context.Context, queries.Notification) error {
	return errors.New("gateway down")
}

// TestNotifications: the outbox is written with the events and delivered by
// a sender that marks rows sent; a failing sender leaves them for later.
func TestNotifications(t *testing.T) {
	f := newFixture(t)
	c := f.create(queries.Citizen("1.1.1.1"), queries.NewQuery{Channel: "web", Question: "电话13700001111的张三问低保", Department: "mzj"})
	f.must(f.s.Forward(f.ctx, f.actor("liaison_mzj"), c.Code, "不属于本部门"))
	n, err := f.s.Deliver(f.ctx, failingSender{}, 10)
	f.must(err)
	if n != 0 {
		t.Errorf("a failing sender sent %d", n)
	}
	var buf bytes.Buffer
	n, err = f.s.Deliver(f.ctx, queries.LogSender{Log: slog.New(slog.NewTextHandler(&buf, nil))}, 10)
	f.must(err)
	if n != 2 || strings.Count(buf.String(), "msg=notification") != 2 {
		t.Errorf("log sender sent %d: %s", n, buf.String())
	}
	if strings.Contains(buf.String(), "13700001111") {
		t.Errorf("a notification carries a phone number: %s", buf.String())
	}
	var rows []struct {
		Kind     string `db:"kind"`
		Attempts int    `db:"attempts"`
		Sent     bool   `db:"sent"`
	}
	f.must(f.db.Select(&rows, `SELECT kind, attempts, sent_at IS NOT NULL AS sent FROM notification_outbox ORDER BY id`))
	if len(rows) != 2 || rows[0].Kind != "assigned" || rows[1].Kind != "approval" || !rows[0].Sent || rows[0].Attempts != 2 {
		t.Errorf("outbox = %+v", rows)
	}
	if n, _ := f.s.Deliver(f.ctx, queries.LogSender{Log: slog.New(slog.DiscardHandler)}, 10); n != 0 {
		t.Errorf("sent %d again", n)
	}
}
