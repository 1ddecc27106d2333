package annual

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/jmoiron/sqlx"
)

// Actor is the staff member behind a change, for the audit log.
type Actor struct {
	AccountID int64
	Username  string
	IP        string
}

// saved is the row of annual_reports of a report.
type saved struct {
	ID         int64   `db:"id"`
	Overview   *string `db:"overview"`
	Problems   *string `db:"problems"`
	Other      *string `db:"other_matters"`
	DocumentID *int64  `db:"document_id"`
}

type entryRow struct {
	Item   string `db:"item"`
	Value  string `db:"value"`
	Reason string `db:"reason"`
	Count  int    `db:"n"`
}

func departmentID(r *Report) *int64 {
	if r.Department == nil {
		return nil
	}
	return &r.Department.ID
}

// written fills in what staff wrote: the prose of 一, 五 and 六 and the
// manual entries of table 二. A county without its own entry shows the
// sum of its departments' entries.
func (s *Store) written(ctx context.Context, r *Report) error {
	var sv saved
	err := s.db.GetContext(ctx, &sv, `SELECT id, overview, problems, other_matters, document_id FROM annual_reports
		WHERE year = $1 AND department_id IS NOT DISTINCT FROM $2`, r.Year, departmentID(r))
	if errors.Is(err, sql.ErrNoRows) {
		sv = saved{} // sqlx has allocated the pointer fields already
	} else if err != nil {
		return fmt.Errorf("annual: saved report %d: %w", r.Year, err)
	}
	r.DocumentID = sv.DocumentID
	figs := figures(r)
	r.Preamble, _ = fill(preamble, figs)
	r.Overview = prose(sv.Overview, SectionOverview, figs)
	r.Problems = prose(sv.Problems, SectionProblems, figs)
	r.Other = prose(sv.Other, SectionOther, figs)
	if strings.Contains(r.Problems.Text, ProblemsPrompt) {
		r.Warnings = append(r.Warnings, HeadingProblems+"尚未填写")
	}
	own, err := s.entries(ctx, `SELECT item, value::text AS value, reason, 1 AS n FROM annual_report_entries WHERE report_id = $1`, sv.ID)
	if err != nil {
		return err
	}
	sum := map[string]entryRow{}
	if r.Department == nil {
		const q = `SELECT e.item, sum(e.value)::text AS value, '' AS reason, count(*) AS n
			FROM annual_report_entries e JOIN annual_reports ar ON ar.id = e.report_id
			WHERE ar.year = $1 AND ar.department_id IS NOT NULL GROUP BY e.item`
		if sum, err = s.entries(ctx, q, r.Year); err != nil {
			return err
		}
	}
	for _, item := range Items {
		e := entry(item, own, sum)
		if e.Source == "missing" {
			r.Warnings = append(r.Warnings, fmt.Sprintf("表二“%s”没有填报，按 0 计", e.Label))
		}
		*r.Active.entry(item) = e
	}
	return nil
}

func (s *Store) entries(ctx context.Context, q string, arg any) (map[string]entryRow, error) {
	var rows []entryRow
	if err := s.db.SelectContext(ctx, &rows, q, arg); err != nil {
		return nil, fmt.Errorf("annual: manual entries: %w", err)
	}
	m := map[string]entryRow{}
	for _, e := range rows {
		m[e.Item] = e
	}
	return m, nil
}

func entry(item string, own, sum map[string]entryRow) Entry {
	e := Entry{Item: item, Label: itemLabels[item], Value: "0", Source: "missing"}
	if o, ok := own[item]; ok {
		e.Value, e.Reason, e.Source = formatValue(o.Value), o.Reason, "manual"
	} else if d, ok := sum[item]; ok {
		e.Value, e.Source = formatValue(d.Value), "departments"
		e.Reason = fmt.Sprintf("各部门填报之和（%d 个部门）", d.Count)
	}
	return e
}

func (t *Table2) entry(item string) *Entry {
	switch item {
	case ItemPermission:
		return &t.Permission
	case ItemPenalty:
		return &t.Penalty
	case ItemCompulsion:
		return &t.Compulsion
	}
	return &t.Fee
}

// formatValue prints a numeric value: a whole number for counts, 万元 with
// at most 4 decimals and no trailing zeros for the fee.
func formatValue(v string) string {
	if i := strings.IndexByte(v, '.'); i >= 0 {
		v = strings.TrimRight(strings.TrimRight(v, "0"), ".")
	}
	if v == "" {
		return "0"
	}
	return v
}

var (
	countRE = regexp.MustCompile(`^[0-9]{1,9}$`)
	feeRE   = regexp.MustCompile(`^[0-9]{1,10}(\.[0-9]{1,4})?$`)
)

// checkEntry refuses an unknown item, a value that is not a whole number
// (a fee: 万元 with up to 4 decimals) and a missing reason.
func checkEntry(item, value, reason string) error {
	switch {
	case itemLabels[item] == "":
		return fieldErr("item", "表二没有 %q 这一项；可填报的是 permission、penalty、compulsion、fee", item)
	case item == ItemFee && !feeRE.MatchString(value):
		return fieldErr("value", "收费金额以万元为单位，填写数字，最多 4 位小数，如 12.5（%q 无效）", value)
	case item != ItemFee && !countRE.MatchString(value):
		return fieldErr("value", "处理决定数量应为不小于 0 的整数（%q 无效）", value)
	case strings.TrimSpace(reason) == "":
		return fieldErr("reason", "请写明数字的来源或依据，例如“县行政审批服务局审批系统导出”")
	case len([]rune(reason)) > 500:
		return fieldErr("reason", "来源说明最多 500 字")
	}
	return nil
}

// ensureReport returns the id of a report's row, creating it.
func ensureReport(ctx context.Context, tx *sqlx.Tx, year int, dept *int64) (int64, error) {
	var id int64
	err := tx.GetContext(ctx, &id, `SELECT id FROM annual_reports WHERE year = $1 AND department_id IS NOT DISTINCT FROM $2 FOR UPDATE`, year, dept)
	if errors.Is(err, sql.ErrNoRows) {
		err = tx.GetContext(ctx, &id, `INSERT INTO annual_reports (year, department_id) VALUES ($1, $2) RETURNING id`, year, dept)
	}
	if err != nil {
		return 0, fmt.Errorf("annual: report row %d: %w", year, err)
	}
	return id, nil
}

// target resolves the year and department of a change.
func (s *Store) target(ctx context.Context, year int, code string) (*int64, error) {
	if _, _, err := period(year); err != nil {
		return nil, err
	}
	d, _, err := s.agency(ctx, code)
	if err != nil || d == nil {
		return nil, err
	}
	return &d.ID, nil
}

// SaveText saves the template of a prose section (overview, problems,
// other_matters) of a report, audited. An empty text restores the
// generated default. An unknown section or placeholder is a FieldError.
func (s *Store) SaveText(ctx context.Context, a Actor, year int, code, section, text string) error {
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	if err := checkProse(section, text); err != nil {
		return err
	}
	dept, err := s.target(ctx, year, code)
	if err != nil {
		return err
	}
	var value *string
	if text != "" {
		value = &text
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		id, err := ensureReport(ctx, tx, year, dept)
		if err != nil {
			return err
		}
		// section is one of three column names, checked above.
		q := `UPDATE annual_reports SET ` + section + ` = $2, updated_by = NULLIF($3, 0), updated_at = now() WHERE id = $1`
		if _, err := tx.ExecContext(ctx, q, id, value, a.AccountID); err != nil {
			return fmt.Errorf("annual: save %s: %w", section, err)
		}
		return audit(ctx, tx, a, "annual.text", id, map[string]any{"year": year, "department": code, "section": section, "default": value == nil})
	})
}

// SaveEntry sets a manual entry of table 二 (permission, penalty,
// compulsion: whole numbers; fee: 万元) with its reason, audited. Refused
// input is a FieldError.
func (s *Store) SaveEntry(ctx context.Context, a Actor, year int, code, item, value, reason string) error {
	value, reason = strings.TrimSpace(value), strings.TrimSpace(reason)
	if err := checkEntry(item, value, reason); err != nil {
		return err
	}
	dept, err := s.target(ctx, year, code)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		id, err := ensureReport(ctx, tx, year, dept)
		if err != nil {
			return err
		}
		const q = `INSERT INTO annual_report_entries (report_id, item, value, reason, updated_by) VALUES ($1, $2, $3, $4, NULLIF($5, 0))
			ON CONFLICT (report_id, item) DO UPDATE SET value = EXCLUDED.value, reason = EXCLUDED.reason,
				updated_by = EXCLUDED.updated_by, updated_at = now()`
		if _, err := tx.ExecContext(ctx, q, id, item, value, reason, a.AccountID); err != nil {
			return fmt.Errorf("annual: save entry %s: %w", item, err)
		}
		return audit(ctx, tx, a, "annual.entry", id, map[string]any{"year": year, "department": code, "item": item, "value": value, "reason": reason})
	})
}

// ClearEntry removes a manual entry (the figure becomes 0, or the sum of
// the departments' for the county), audited.
func (s *Store) ClearEntry(ctx context.Context, a Actor, year int, code, item string) error {
	if itemLabels[item] == "" {
		return fieldErr("item", "表二没有 %q 这一项", item)
	}
	dept, err := s.target(ctx, year, code)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		const q = `DELETE FROM annual_report_entries e USING annual_reports r
			WHERE e.report_id = r.id AND r.year = $1 AND r.department_id IS NOT DISTINCT FROM $2 AND e.item = $3 RETURNING r.id`
		var id int64
		err := tx.GetContext(ctx, &id, q, year, dept, item)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("annual: clear entry %s: %w", item, err)
		}
		return audit(ctx, tx, a, "annual.entry_clear", id, map[string]any{"year": year, "department": code, "item": item})
	})
}

func (s *Store) inTx(ctx context.Context, fn func(*sqlx.Tx) error) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("annual: begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// audit writes one audit_log row in the caller's transaction.
func audit(ctx context.Context, tx *sqlx.Tx, a Actor, action string, reportID int64, detail map[string]any) error {
	js, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("annual: audit detail: %w", err)
	}
	const q = `INSERT INTO audit_log (account_id, actor, ip, action, object_type, object_id, detail)
		VALUES (NULLIF($1, 0), $2, $3, $4, 'annual_report', $5, $6)`
	if _, err := tx.ExecContext(ctx, q, a.AccountID, a.Username, a.IP, action, fmt.Sprint(reportID), js); err != nil {
		return fmt.Errorf("annual: audit %s: %w", action, err)
	}
	return nil
}
