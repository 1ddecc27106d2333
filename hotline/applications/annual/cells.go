package annual

import (
	"context"
	"strings"
)

// Cell lists the applications counted in one cell of table 三 of a year's
// report (row: a Row code such as "new", "denied.third_party", "total";
// column: an applicant type or "total"), by the same rules Compute counts
// them with, so the list is exactly as long as the cell's number. An
// unknown row or column is a FieldError, an unknown department
// ErrNotFound.
func (s *Store) Cell(ctx context.Context, year int, code, row, column string) ([]Application, error) {
	from, to, err := period(year)
	if err != nil {
		return nil, err
	}
	t := Table3{Rows: Layout3()}
	if t.Row(row) == nil {
		return nil, fieldErr("row", "表三没有 %q 这一行", row)
	}
	col := -1
	for i, c := range ColumnCodes {
		if c == column {
			col = i
		}
	}
	if col < 0 {
		return nil, fieldErr("column", "表三没有 %q 这一列；列为申请人类型或 total", column)
	}
	r := &Report{Year: year, From: from, To: to}
	if r.Department, r.Agency, err = s.agency(ctx, code); err != nil {
		return nil, err
	}
	apps, err := s.load(ctx, r)
	if err != nil {
		return nil, err
	}
	labels := map[string]string{}
	for _, l := range Layout3() {
		labels[l.Code] = strings.TrimSpace(l.Group + " " + l.Label)
	}
	out := []Application{}
	for _, a := range apps {
		if col != TotalCol3 && columnOf(a.ApplicantType) != col {
			continue
		}
		if !containsRow(rowsOf(a, from, to), row) {
			continue
		}
		if a.Decision != nil {
			a.Result = labels[resultRow(*a.Decision, a.Reason)]
		}
		out = append(out, a)
	}
	return out, nil
}
