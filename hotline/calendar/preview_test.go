package calendar

import (
	"context"
	"errors"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/migrations/pgtest"
)

// previewer is a RebasePreviewer that counts what it is asked.
type previewer struct {
	recorder
	previews []Range
	years    []int
}

func (p *previewer) PreviewRebase(ctx context.Context, q sqlx.QueryerContext, cal *Calendar, changed Range) (int, error) {
	p.previews = append(p.previews, changed)
	for _, n := range cal.Notices() {
		p.years = append(p.years, n.Year)
	}
	return 2, nil
}

// TestPreview tells what saving a notice would do without writing it: the
// same change AddNotice then makes, the Rebasers' counts from those that
// can preview, the errors AddNotice and ReplaceYear give.
func TestPreview(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	s, err := Open(ctx, db, mustHours(t, "08:30-12:00,14:00-17:30"))
	if err != nil {
		t.Fatal(err)
	}
	p := &previewer{}
	s.AddRebaser(p)
	s.AddRebaser(&recorder{}) // cannot preview: not counted
	ch, err := s.Preview(ctx, notice2027(t), false)
	if err != nil {
		t.Fatal(err)
	}
	want := Change{Year: 2027, Version: 1, Changed: true, Range: Range{mustDate(t, "2026-12-25"), mustDate(t, "2027-12-24")}, Rebased: 2}
	if ch != want {
		t.Errorf("Preview = %+v, want %+v", ch, want)
	}
	if len(p.previews) != 1 || p.years[len(p.years)-1] != 2027 || len(p.ranges) != 0 {
		t.Errorf("the previewer was asked %v with years %v, rebased %v", p.previews, p.years, p.ranges)
	}
	var rows int
	db.Get(&rows, `SELECT count(*) FROM calendar_notices WHERE year = 2027`)
	if rows != 0 || s.Calendar().Version() != "2024.1,2025.1,2026.1" {
		t.Fatalf("the preview wrote the notice (%d rows, version %s)", rows, s.Calendar().Version())
	}
	if _, err := s.Preview(ctx, notice2027(t), true); !errors.Is(err, ErrNotFound) {
		t.Errorf("preview of a correction to a missing year = %v, want ErrNotFound", err)
	}
	saved, err := s.AddNotice(ctx, Actor{Username: "test"}, notice2027(t))
	if err != nil {
		t.Fatal(err)
	}
	if saved.Range != ch.Range || saved.Version != ch.Version {
		t.Errorf("saved %+v, previewed %+v", saved, ch)
	}
	if _, err := s.Preview(ctx, notice2027(t), false); !errors.Is(err, ErrExists) {
		t.Errorf("preview of a year stored = %v, want ErrExists", err)
	}
	same, err := s.Preview(ctx, notice2027(t), true)
	if err != nil || same.Changed || same.Version != 2 || same.Rebased != 0 {
		t.Errorf("preview of an unchanged correction = %+v, %v; want version 2, nothing changed", same, err)
	}
	bad := notice2027(t)
	bad.Days[1].Name = ""
	var fe *FieldError
	if _, err := s.Preview(ctx, bad, true); !errors.As(err, &fe) || fe.Field != "days[1]" {
		t.Errorf("preview of a bad notice = %v, want a FieldError on days[1]", err)
	}
	bad = notice2027(t)
	bad.PublishedOn = Date{}
	if _, err := s.Preview(ctx, bad, true); !errors.As(err, &fe) || fe.Field != "published_on" || fe.Msg != "请填写通知的发布日期" {
		t.Errorf("preview without a publication date = %v", err)
	}
}
