package annual

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/hotline/applications"
)

// shanghai is the zone of every date of the report (no daylight saving
// since 1991, so a fixed zone equals tzdata's).
var shanghai = time.FixedZone("CST", 8*3600)

// Store computes annual reports from the database and keeps what staff
// write in them.
type Store struct {
	db  *sqlx.DB
	now func() time.Time
}

// NewStore returns the store of annual reports on the catalog's and the
// applications' database.
func NewStore(db *sqlx.DB) *Store {
	return &Store{db: db, now: time.Now}
}

// Application is an application as the report counts it and lists it
// behind a cell of table 三. Dates are YYYY-MM-DD.
type Application struct {
	ID            int64   `db:"query_id" json:"id"`
	Code          string  `db:"code" json:"code"` // 查询码
	Department    string  `db:"department" json:"department"`
	ReceivedOn    string  `db:"received_on" json:"received_on"`
	ApplicantType string  `db:"applicant_type" json:"applicant_type"`
	Applicant     string  `db:"applicant_masked" json:"applicant"`
	Information   string  `db:"information" json:"information"`
	Decision      *string `db:"decision" json:"decision,omitempty"`
	Reason        string  `db:"reason" json:"reason,omitempty"`
	DecidedOn     *string `db:"decided_on" json:"decided_on,omitempty"`
	Result        string  `db:"-" json:"result,omitempty"` // the label of its result row, if decided
}

// MinYear and MaxYear bound the years a report may be asked for (the 条例
// of 2008 began the reports).
const (
	MinYear = 2008
	MaxYear = 2100
)

func period(year int) (string, string, error) {
	if year < MinYear || year > MaxYear {
		return "", "", fieldErr("year", "年度 %d 无效，应在 %d–%d 之间", year, MinYear, MaxYear)
	}
	return fmt.Sprintf("%d-01-01", year), fmt.Sprintf("%d-12-31", year), nil
}

// Compute builds the report of a year for the department with the given
// code, or for the whole county when code is "". An unknown department is
// ErrNotFound, a year outside MinYear–MaxYear a FieldError. The report
// carries its checks; Compute does not fail when they do.
func (s *Store) Compute(ctx context.Context, year int, code string) (*Report, error) {
	from, to, err := period(year)
	if err != nil {
		return nil, err
	}
	r := &Report{Year: year, From: from, To: to, GeneratedAt: s.now().In(shanghai), Notes: []string{}, Warnings: []string{}}
	if r.Department, r.Agency, err = s.agency(ctx, code); err != nil {
		return nil, err
	}
	r.Title = fmt.Sprintf("%s%d年政府信息公开工作年度报告", r.Agency, year)
	apps, err := s.load(ctx, r)
	if err != nil {
		return nil, err
	}
	var unclassified []string
	r.Requests, unclassified = count3(apps, from, to)
	if len(unclassified) > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("%d 件申请的办理结果没有有效的理由代码，只计入（七）总计：%s", len(unclassified), strings.Join(unclassified, "、")))
	}
	if r.Appeals, err = s.count4(ctx, r); err != nil {
		return nil, err
	}
	if r.Fees, err = s.fees(ctx, r); err != nil {
		return nil, err
	}
	if err := s.catalog(ctx, r); err != nil {
		return nil, err
	}
	if err := s.written(ctx, r); err != nil {
		return nil, err
	}
	r.Checks = Verify(r)
	return r, nil
}

// agency resolves the department of a report and the name of the agency
// it is for: the department's full name, or the county government (the
// government office's name without 办公室).
func (s *Store) agency(ctx context.Context, code string) (*Department, string, error) {
	if code == "" {
		var office string
		err := s.db.GetContext(ctx, &office, `SELECT full_name FROM departments WHERE gov_office ORDER BY id LIMIT 1`)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, "本级人民政府", nil
		}
		if err != nil {
			return nil, "", fmt.Errorf("annual: county name: %w", err)
		}
		return nil, strings.TrimSuffix(office, "办公室"), nil
	}
	var d Department
	err := s.db.GetContext(ctx, &d, `SELECT id, code, name, full_name FROM departments WHERE code = $1`, code)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", fmt.Errorf("%w: 没有代码为 %q 的部门", ErrNotFound, code)
	}
	if err != nil {
		return nil, "", fmt.Errorf("annual: department %q: %w", code, err)
	}
	return &d, d.FullName, nil
}

// departmentFilter appends the department condition of a report to a
// query's WHERE clause and arguments.
func departmentFilter(r *Report, column string, where string, args []any) (string, []any) {
	if r.Department == nil {
		return where, args
	}
	args = append(args, r.Department.ID)
	return where + " AND " + column + " = $" + strconv.Itoa(len(args)), args
}

// load reads every application that table 三 of the year can count:
// received by 31 December and not decided before 1 January.
func (s *Store) load(ctx context.Context, r *Report) ([]Application, error) {
	const q = `SELECT a.query_id, q.code, d.full_name AS department, to_char(a.received_on, 'YYYY-MM-DD') AS received_on,
			a.applicant_type, a.applicant_masked, a.information, a.decision, a.reason,
			to_char(a.decided_on, 'YYYY-MM-DD') AS decided_on
		FROM applications a JOIN queries q ON q.id = a.query_id JOIN departments d ON d.id = a.department_id
		WHERE a.received_on <= $2 AND (a.decided_on IS NULL OR a.decided_on >= $1)`
	where, args := departmentFilter(r, "a.department_id", q, []any{r.From, r.To})
	var apps []Application
	if err := s.db.SelectContext(ctx, &apps, where+` ORDER BY a.received_on, a.query_id`, args...); err != nil {
		return nil, fmt.Errorf("annual: applications of %d: %w", r.Year, err)
	}
	return apps, nil
}

// resultRow returns the row of table 三 a decision counts in: the decision
// itself when it has no reasons (a split answer, 部分公开, counts there
// once whatever reason was recorded for its withheld part), else its
// reason's row; "" when the reason is not one of the decision's.
func resultRow(decision, reason string) string {
	for _, d := range applications.Decisions {
		if d.Code != decision {
			continue
		}
		if len(d.Reasons) == 0 {
			return d.Code
		}
		for _, rs := range d.Reasons {
			if rs.Code == reason {
				return d.Code + "." + rs.Code
			}
		}
	}
	return ""
}

// rowsOf returns the rows of table 三 an application counts in for the
// period [from, to]: 一 (received in it) or 二 (received before, still
// open on 1 January); （七） and its result row (decided in it); 四
// (received by the end and not decided by then).
func rowsOf(a Application, from, to string) []string {
	var rows []string
	decided := a.DecidedOn != nil && a.Decision != nil
	switch {
	case a.ReceivedOn >= from && a.ReceivedOn <= to:
		rows = append(rows, RowNew)
	case a.ReceivedOn < from && (!decided || *a.DecidedOn >= from):
		rows = append(rows, RowCarriedIn)
	}
	if decided && *a.DecidedOn >= from && *a.DecidedOn <= to {
		rows = append(rows, RowTotal)
		if row := resultRow(*a.Decision, a.Reason); row != "" {
			rows = append(rows, row)
		}
	}
	if a.ReceivedOn <= to && (!decided || *a.DecidedOn > to) {
		rows = append(rows, RowCarriedOut)
	}
	return rows
}

func columnOf(applicantType string) int {
	for i, t := range applications.ApplicantTypes {
		if t.Code == applicantType {
			return i
		}
	}
	return -1
}

// count3 fills table 三. 总计 is counted on its own (not summed), so the
// checks catch an application of an unknown type; unclassified lists the
// 查询码 of decided applications without a valid reason.
func count3(apps []Application, from, to string) (Table3, []string) {
	t := Table3{Columns: columnLabels(), Rows: Layout3()}
	index := map[string]int{}
	for i, row := range t.Rows {
		index[row.Code] = i
	}
	var unclassified []string
	for _, a := range apps {
		col := columnOf(a.ApplicantType)
		rows := rowsOf(a, from, to)
		for _, code := range rows {
			row := &t.Rows[index[code]]
			row.Counts[TotalCol3]++
			if col >= 0 {
				row.Counts[col]++
			}
		}
		if containsRow(rows, RowTotal) && resultRow(*a.Decision, a.Reason) == "" {
			unclassified = append(unclassified, a.Code)
		}
	}
	return t, unclassified
}

func containsRow(rows []string, code string) bool {
	for _, r := range rows {
		if r == code {
			return true
		}
	}
	return false
}

func columnLabels() []string {
	var ls []string
	for _, t := range applications.ApplicantTypes {
		ls = append(ls, t.Text)
	}
	return append(ls, Total3)
}

// count4 fills table 四: cases filed in the year, with the outcome known
// on 31 December (a case closed later was 尚未审结 at the year's end).
func (s *Store) count4(ctx context.Context, r *Report) (Table4, error) {
	const q = `SELECT c.kind, CASE WHEN c.closed_on IS NOT NULL AND c.closed_on <= $2 THEN c.outcome ELSE 'pending' END AS outcome,
			count(*) AS n
		FROM application_cases c JOIN applications a ON a.query_id = c.query_id
		WHERE c.filed_on BETWEEN $1 AND $2`
	where, args := departmentFilter(r, "a.department_id", q, []any{r.From, r.To})
	var rows []struct {
		Kind    string `db:"kind"`
		Outcome string `db:"outcome"`
		N       int    `db:"n"`
	}
	if err := s.db.SelectContext(ctx, &rows, where+` GROUP BY 1, 2`, args...); err != nil {
		return Table4{}, fmt.Errorf("annual: review and litigation of %d: %w", r.Year, err)
	}
	t := Table4{Groups: Layout4()}
	for _, row := range rows {
		for i := range t.Groups {
			if t.Groups[i].Kind != row.Kind {
				continue
			}
			t.Groups[i].Counts[TotalCol4] += row.N
			if o, ok := outcomeIndex[row.Outcome]; ok {
				t.Groups[i].Counts[o] += row.N
			}
		}
	}
	return t, nil
}

// fees sums the 信息处理费 of the applications decided in the year.
func (s *Store) fees(ctx context.Context, r *Report) (Fees, error) {
	const q = `SELECT COALESCE(sum(fee_yuan), 0)::numeric(12, 2)::text AS yuan, count(*) FILTER (WHERE fee_yuan > 0) AS applications
		FROM applications WHERE decided_on BETWEEN $1 AND $2`
	where, args := departmentFilter(r, "department_id", q, []any{r.From, r.To})
	var f Fees
	if err := s.db.GetContext(ctx, &f, where, args...); err != nil {
		return f, fmt.Errorf("annual: fees of %d: %w", r.Year, err)
	}
	return f, nil
}
