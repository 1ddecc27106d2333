package applications_test

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/govhall/govhall/hotline/applications"
	"github.com/govhall/govhall/hotline/queries"
	"github.com/govhall/govhall/hotline/retention"
)

// TestApplicationAfterItsPersonalDataRetention: once the period has passed
// since the decision, the purge drops the sealed identity and contacts of
// the applicant and of the third party; the handling liaison then sees the
// masked name and the redacted request, and the notice still prints. An
// application decided more recently keeps everything.
func TestApplicationAfterItsPersonalDataRetention(t *testing.T) {
	f := newFixture(t, at(2024, 9, 10, 10, 0))
	mzj := f.actor("liaison_mzj")
	old := f.submit(queries.Citizen("1.2.3.4"), person())
	f.must(f.s.StartConsultation(f.ctx, mzj, old.Code, applications.Consultation{ThirdParty: "沂源县某某颐养中心（王五）"}))
	f.must(f.s.EndConsultation(f.ctx, mzj, old.Code, applications.ConsultationEnd{Opinion: "agree"}))
	f.must(f.s.Decide(f.ctx, mzj, old.Code, applications.DecideInput{Decision: applications.Granted, Text: "低保资金发放情况见附表。"}))
	f.set(at(2025, 9, 1, 10, 0))
	recent := f.submit(queries.Citizen("1.2.3.4"), person())
	f.must(f.s.Decide(f.ctx, mzj, recent.Code, applications.DecideInput{Decision: applications.Granted, Text: "见附表。"}))

	p := retention.New(f.db, slog.New(slog.DiscardHandler), retention.Period{}, retention.Period{Months: 6})
	r, err := p.Run(f.ctx, at(2025, 10, 1, 3, 0).UTC())
	f.must(err)
	if r.Queries != 1 || r.Applications != 1 {
		t.Fatalf("purge report %+v, want one query with its application", r)
	}
	v := f.get(old.Code)
	if v.Applicant.Name != "张**" || v.Applicant.IDNumber != "" || v.Applicant.Phone != "" || v.Applicant.Address != "" || v.Applicant.Email != "" {
		t.Errorf("the purged applicant as the liaison sees it: %+v", v.Applicant)
	}
	if strings.Contains(v.Information, personID) || !strings.Contains(v.Information, "低保资金") {
		t.Errorf("the purged request reads %q, want the redacted text", v.Information)
	}
	if len(v.Consultations) != 1 || strings.Contains(v.Consultations[0].ThirdParty, "颐养中心") {
		t.Errorf("the purged third party: %+v", v.Consultations)
	}
	if _, err := f.s.Notice(f.ctx, mzj, old.Code); err != nil {
		t.Errorf("the notice of a purged application: %v", err)
	}
	if v := f.get(recent.Code); v.Applicant.Name != personName || v.Applicant.IDNumber != personID {
		t.Errorf("an application decided within the period lost its applicant: %+v", v.Applicant)
	}
	var enc []byte
	f.must(f.db.Get(&enc, `SELECT applicant_enc FROM applications a JOIN queries q ON q.id = a.query_id WHERE q.code = $1`, old.Code))
	if len(enc) != 0 {
		t.Errorf("the purged applicant_enc keeps %d bytes", len(enc))
	}
}
