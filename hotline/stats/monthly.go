package stats

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/govhall/govhall/hotline/calendar"
)

// KeptReport is a report kept in hotline_reports (月报).
type KeptReport struct {
	ID              int64     `db:"id" json:"id"`
	Kind            string    `db:"kind" json:"kind"`
	First           time.Time `db:"period_start" json:"-"`
	End             time.Time `db:"period_end" json:"-"`
	Department      string    `db:"department" json:"department,omitempty"`
	DepartmentName  string    `db:"department_name" json:"department_name,omitempty"`
	CalendarVersion string    `db:"calendar_version" json:"calendar_version"`
	GeneratedAt     time.Time `db:"generated_at" json:"generated_at"`
	GeneratedBy     string    `db:"generated_by" json:"generated_by"`
	HasPDF          bool      `db:"has_pdf" json:"has_pdf"`
}

// Period returns the kept report's period.
func (k KeptReport) Period() Period {
	kind := Custom
	if k.Kind == "month" {
		kind = Month
	}
	return Period{Kind: kind, First: calendar.NewDate(k.First.Date()), Last: calendar.NewDate(k.End.Date()).AddDays(-1)}
}

// Label names the kept report's period.
func (k KeptReport) Label() string { return k.Period().Label() }

// MonthlyDims are the breakdowns of a kept report: for the line, and for
// a department.
var (
	MonthlyDims     = []string{DimDepartment, DimOperator, DimChannel, DimCategory}
	MonthlyDeptDims = []string{DimLiaison, DimChannel, DimCategory}
)

// Keep computes the report of a period (the line when dep is "") and keeps
// it with its CSV, XLSX and (when font is given) PDF, replacing a report of
// the same period kept before. by is who asked ("schedule" or a username).
func (s *Store) Keep(ctx context.Context, p Period, dep string, font []byte, by string) (*Report, int64, error) {
	dims := MonthlyDims
	if dep != "" {
		dims = MonthlyDeptDims
	}
	r, err := s.Compute(ctx, p, dep, dims...)
	if err != nil {
		return nil, 0, err
	}
	csvB, err := r.Bytes("csv", nil)
	if err != nil {
		return nil, 0, err
	}
	xlsxB, err := r.Bytes("xlsx", nil)
	if err != nil {
		return nil, 0, err
	}
	var pdfB []byte
	if font != nil {
		if pdfB, err = r.Bytes("pdf", font); err != nil {
			return nil, 0, err
		}
	}
	figs, _ := json.Marshal(r.Figures)
	sets, _ := json.Marshal(r.Settings)
	kind := "custom"
	if p.Kind == Month {
		kind = "month"
	}
	var id int64
	const q = `INSERT INTO hotline_reports (kind, period_start, period_end, department_id, calendar_version, settings, figures, csv, xlsx, pdf, generated_by)
		VALUES ($1, $2, $3, (SELECT id FROM departments WHERE code = NULLIF($4, '')), $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (kind, period_start, period_end, COALESCE(department_id, 0)) DO UPDATE SET calendar_version = EXCLUDED.calendar_version,
			settings = EXCLUDED.settings, figures = EXCLUDED.figures, csv = EXCLUDED.csv, xlsx = EXCLUDED.xlsx, pdf = EXCLUDED.pdf,
			generated_at = now(), generated_by = EXCLUDED.generated_by
		RETURNING id`
	if err := s.db.GetContext(ctx, &id, q, kind, p.First.String(), p.Last.AddDays(1).String(), dep, r.CalendarVersion, sets, figs,
		csvB, xlsxB, pdfB, by); err != nil {
		return nil, 0, fmt.Errorf("stats: keep report: %w", err)
	}
	return r, id, nil
}

const selectKept = `SELECT r.id, r.kind, r.period_start, r.period_end, COALESCE(d.code, '') AS department, COALESCE(d.name, '') AS department_name,
	r.calendar_version, r.generated_at, r.generated_by, r.pdf IS NOT NULL AS has_pdf
	FROM hotline_reports r LEFT JOIN departments d ON d.id = r.department_id`

// Kept lists the kept reports, newest period first, the line before its
// departments.
func (s *Store) Kept(ctx context.Context, limit int) ([]KeptReport, error) {
	ks := []KeptReport{}
	q := selectKept + ` ORDER BY r.period_start DESC, r.period_end DESC, r.department_id NULLS FIRST, d.code LIMIT $1`
	if err := s.db.SelectContext(ctx, &ks, q, limit); err != nil {
		return nil, fmt.Errorf("stats: kept reports: %w", err)
	}
	return ks, nil
}

// KeptFile returns a kept report and its file in a format (csv, xlsx,
// pdf); ErrNotFound when there is none.
func (s *Store) KeptFile(ctx context.Context, id int64, format string) (KeptReport, []byte, error) {
	var k KeptReport
	err := s.db.GetContext(ctx, &k, selectKept+` WHERE r.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return k, nil, fmt.Errorf("%w: report %d", ErrNotFound, id)
	}
	if err != nil {
		return k, nil, fmt.Errorf("stats: kept report %d: %w", id, err)
	}
	col := map[string]string{"csv": "csv", "xlsx": "xlsx", "pdf": "pdf"}[format]
	if col == "" {
		return k, nil, fieldErr("format", "格式应为 csv、xlsx 或 pdf")
	}
	var b []byte
	if err := s.db.GetContext(ctx, &b, `SELECT `+col+` FROM hotline_reports WHERE id = $1`, id); err != nil {
		return k, nil, fmt.Errorf("stats: kept report %d: %w", id, err)
	}
	if b == nil {
		return k, nil, fmt.Errorf("%w: report %d has no %s", ErrNotFound, id, format)
	}
	return k, b, nil
}

// FileName is the name of a report's file: 96128-2025-03-line.csv,
// 96128-2025-03-mzj.pdf.
func FileName(p Period, dep, format string) string {
	if dep == "" {
		dep = "line"
	}
	return fmt.Sprintf("96128-%s-%s.%s", p.Slug(), dep, format)
}

// RunMonthly keeps the reports of the last month that ended before now —
// the line's and every department's — unless the line's is kept already,
// and copies their files into dir (no copy when dir is ""). It returns how
// many reports it kept.
func (s *Store) RunMonthly(ctx context.Context, font []byte, dir string) (int, error) {
	today := calendar.DateOf(s.now())
	p, _ := PeriodOf(Month, calendar.NewDate(today.Year(), today.Month(), 0))
	var exists bool
	if err := s.db.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM hotline_reports WHERE kind = 'month' AND period_start = $1 AND department_id IS NULL)`,
		p.First.String()); err != nil {
		return 0, fmt.Errorf("stats: monthly reports: %w", err)
	}
	if exists {
		return 0, nil
	}
	var deps []string
	if err := s.db.SelectContext(ctx, &deps, `SELECT code FROM departments WHERE NOT gov_office ORDER BY code`); err != nil {
		return 0, fmt.Errorf("stats: monthly reports: %w", err)
	}
	n := 0
	// Departments first: the line's report marks the month done.
	for _, dep := range append(deps, "") {
		r, _, err := s.Keep(ctx, p, dep, font, "schedule")
		if err != nil {
			return n, err
		}
		n++
		if dir == "" {
			continue
		}
		out := filepath.Join(dir, p.Slug())
		if err := os.MkdirAll(out, 0o755); err != nil {
			return n, fmt.Errorf("stats: monthly reports: %w", err)
		}
		for _, format := range []string{"csv", "xlsx", "pdf"} {
			if format == "pdf" && font == nil {
				continue
			}
			b, err := r.Bytes(format, font)
			if err != nil {
				return n, err
			}
			if err := os.WriteFile(filepath.Join(out, FileName(p, dep, format)), b, 0o644); err != nil {
				return n, fmt.Errorf("stats: monthly reports: %w", err)
			}
		}
	}
	return n, nil
}
