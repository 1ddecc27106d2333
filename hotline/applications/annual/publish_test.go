package annual_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/govhall/govhall/hotline/applications/annual"
	"github.com/govhall/govhall/kiosk"
)

// TestPublishGoesThroughReview: the report becomes a draft of kind other
// in 政务公开/年度报告 (created when missing) that is submitted to 初审;
// while it is in review it cannot be sent again; once 审定 a new Publish
// is a revision of the same document. A report failing its checks is
// refused and nothing is written.
func TestPublishGoesThroughReview(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	cat := kiosk.NewStore(w.db, nil, nil) // no category yet: Publish creates it
	writer := w.actor(t, "writer")

	p, err := w.store.Publish(ctx, cat, writer, 2025, "mzj")
	if err != nil {
		t.Fatal(err)
	}
	d, err := cat.Get(ctx, p.DocumentID)
	if err != nil {
		t.Fatal(err)
	}
	if d.State != kiosk.StateInReview || d.Kind != kiosk.KindOther || d.Category != annual.Category ||
		d.Title != "沂源县民政局2025年政府信息公开工作年度报告" || d.Agency != "沂源县民政局" || d.Disclosure != kiosk.Proactive {
		t.Errorf("published document = %+v", d)
	}
	for _, want := range []string{"## 三、收到和处理政府信息公开申请情况", "3.危及“三安全一稳定”：自然人 2，商业企业 0", "（七）总计：自然人 22",
		"- 行政复议：结果维持 1，结果纠正 1，其他结果 0，尚未审结 0，总计 2", "本年度未收取信息处理费。"} {
		if !strings.Contains(d.Body, want) {
			t.Errorf("the body lacks %q", want)
		}
	}
	c, err := cat.Case(ctx, p.CaseID)
	if err != nil || c.Step != 1 || c.Status != "open" || c.DocumentID != p.DocumentID {
		t.Errorf("review case = %+v, %v", c, err)
	}
	if r := compute(t, w, 2025, "mzj"); r.DocumentID == nil || *r.DocumentID != p.DocumentID {
		t.Errorf("the report does not know its document: %v", r.DocumentID)
	}
	if _, err := w.store.Publish(ctx, cat, writer, 2025, "mzj"); !errors.Is(err, annual.ErrConflict) {
		t.Errorf("publishing again while in review: %v, want ErrConflict", err)
	}

	w.approve(t, cat, p.CaseID)
	if err := w.store.SaveText(ctx, staffer, 2025, "mzj", annual.SectionProblems, "一是解读形式单一。"); err != nil {
		t.Fatal(err)
	}
	again, err := w.store.Publish(ctx, cat, writer, 2025, "mzj")
	if err != nil {
		t.Fatal(err)
	}
	if again.DocumentID != p.DocumentID || !again.Revision {
		t.Errorf("second publication = %+v, want a revision of document %d", again, p.DocumentID)
	}
	if d, _ := cat.Get(ctx, p.DocumentID); d.State != kiosk.StatePublished || strings.Contains(d.Body, "一是解读形式单一") {
		t.Errorf("the public text changed before 审定 of the revision: %s", d.State)
	}

	w.db.MustExec(`UPDATE applications SET reason = '' WHERE query_id = $1`, w.labels["@notheld"][0])
	var before int
	w.db.Get(&before, `SELECT count(*) FROM documents`)
	_, err = w.store.Publish(ctx, cat, writer, 2025, "")
	var ce *annual.ChecksError
	if !errors.As(err, &ce) || !errors.Is(err, annual.ErrChecksFailed) || !strings.Contains(err.Error(), "表三（七）总计") {
		t.Fatalf("publishing a report whose checks fail: %v", err)
	}
	var after int
	w.db.Get(&after, `SELECT count(*) FROM documents`)
	if after != before {
		t.Errorf("a refused report left %d documents behind", after-before)
	}
}
