package applications

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/queries"
)

// Roles of staff accounts, as in server/staff.
const (
	roleAdmin      = "admin"
	roleLiaison    = "liaison"
	roleSupervisor = "supervisor"
)

// Options tune a Store; the zero value is usable.
type Options struct {
	// Now returns the current time; default time.Now. It should be the
	// queries store's own clock.
	Now func() time.Time
}

// Store keeps applications in PostgreSQL on top of the tracked queries:
// every change to an application is a change to its query, in the same
// transaction (queries.TxHook). Personal data is sealed with keys.
type Store struct {
	db   *sqlx.DB
	q    *queries.Store
	cal  queries.Calendars
	keys *Keys
	now  func() time.Time
}

// NewStore returns a store on db over the queries store q, dating with
// cal and sealing personal data with keys.
func NewStore(db *sqlx.DB, q *queries.Store, cal queries.Calendars, keys *Keys, o Options) *Store {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Store{db: db, q: q, cal: cal, keys: keys, now: o.Now}
}

// personal is what is sealed of an application: everything that names or
// reaches the applicant, and the request in the applicant's own words.
type personal struct {
	Org           bool   `json:"org,omitempty"` // an organisation: its name is not personal
	Name          string `json:"name"`
	IDType        string `json:"id_type,omitempty"`
	IDNumber      string `json:"id_number,omitempty"`
	ContactPerson string `json:"contact_person,omitempty"`
	Phone         string `json:"phone,omitempty"`
	Address       string `json:"address,omitempty"`
	Email         string `json:"email,omitempty"`
	Information   string `json:"information"`
	Purpose       string `json:"purpose,omitempty"`
}

func applicantAAD(queryID int64) string {
	return "application/" + strconv.FormatInt(queryID, 10) + "/applicant"
}

func thirdPartyAAD(queryID int64) string {
	return "application/" + strconv.FormatInt(queryID, 10) + "/third_party"
}

// idNumberRE matches a resident identity card number anywhere in a text.
var idNumberRE = regexp.MustCompile(`[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]`)

// redact masks the applicant's personal data in a text staff wrote: the
// person's name (an organisation's name stays), the contact person, the
// phone, the ID number and the e-mail wherever they occur, and any
// identity card number. Other phone numbers (a department's) stay.
func (p personal) redact(text string) string {
	if !p.Org && utf8.RuneCountInString(p.Name) >= 2 {
		text = strings.ReplaceAll(text, p.Name, queries.MaskName(p.Name))
	}
	if utf8.RuneCountInString(p.ContactPerson) >= 2 {
		text = strings.ReplaceAll(text, p.ContactPerson, queries.MaskName(p.ContactPerson))
	}
	if len(p.Phone) >= 5 {
		text = strings.ReplaceAll(text, p.Phone, queries.MaskPhone(p.Phone))
	}
	if len(p.IDNumber) >= 5 {
		text = strings.ReplaceAll(text, p.IDNumber, maskID(p.IDNumber))
	}
	if p.Email != "" {
		text = strings.ReplaceAll(text, p.Email, maskEmail(p.Email))
	}
	return idNumberRE.ReplaceAllStringFunc(text, maskID)
}

// Submitted is what Submit answers: the 查询码 to give the applicant, the
// last day of the answer and the agency.
type Submitted struct {
	Code        string        `json:"code"`
	DueDate     calendar.Date `json:"due_date"`
	Department  string        `json:"department"`
	Provisional bool          `json:"provisional,omitempty"`
}

// Submit receives an application: its query (kind application, a 查询码,
// 20 working days from receipt — for a letter from the day it arrived)
// and its row, with the personal data sealed, in one transaction. Staff
// (a) enter applications made at a window or by post; citizens use the
// kiosk and the web. It fails with a *queries.FieldError naming the first
// field to correct.
func (s *Store) Submit(ctx context.Context, a queries.Actor, in NewApplication) (Submitted, error) {
	staff := a.AccountID != 0
	if staff && !hasAny(a, roleLiaison, "operator", roleAdmin) {
		return Submitted{}, forbidden("只有信息联络员、话务员和管理员可以登记申请")
	}
	received, err := in.validate(staff, s.now())
	if err != nil {
		return Submitted{}, err
	}
	var dep struct {
		ID   int64  `db:"id"`
		Code string `db:"code"`
		Name string `db:"name"`
	}
	err = s.db.GetContext(ctx, &dep, `SELECT id, code, name FROM departments WHERE code = $1 OR name = $1 OR full_name = $1 ORDER BY id LIMIT 1`, in.Department)
	if errors.Is(err, sql.ErrNoRows) {
		return Submitted{}, fieldErr("department", "没有名为“%s”的行政机关，请从列表中选择", in.Department)
	}
	if err != nil {
		return Submitted{}, fmt.Errorf("applications: department: %w", err)
	}
	p := personal{Org: in.ApplicantType != Natural, Name: in.Name, IDType: in.IDType, IDNumber: in.IDNumber, ContactPerson: in.ContactPerson, Phone: in.Phone,
		Address: in.Address, Email: in.Email, Information: in.Information, Purpose: in.Purpose}
	masked := in.Name
	if in.ApplicantType == Natural {
		masked = queries.MaskName(in.Name)
	}
	nq := queries.NewQuery{Channel: in.Channel, Question: p.redact(in.Information), Name: queries.MaskName(in.Name),
		Department: dep.Code}
	if in.Channel == "post" {
		nq.ReceivedAt = received
	}
	sealed, err := json.Marshal(p)
	if err != nil {
		return Submitted{}, fmt.Errorf("applications: seal: %w", err)
	}
	c, err := s.q.CreateApplication(ctx, a, nq, func(ctx context.Context, tx *sqlx.Tx, r queries.Ref) error {
		const q = `INSERT INTO applications (query_id, department_id, channel, received_on, applicant_type, applicant_masked,
				applicant_enc, key_id, credit_code, information, purpose, delivery, pickup)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`
		_, err := tx.ExecContext(ctx, q, r.ID, dep.ID, in.Channel, calendar.DateOf(received), in.ApplicantType, masked,
			s.keys.Seal(sealed, applicantAAD(r.ID)), s.keys.ID(), in.CreditCode, p.redact(in.Information), p.redact(in.Purpose),
			in.Delivery, in.Pickup)
		if err != nil {
			return fmt.Errorf("applications: insert: %w", err)
		}
		return nil
	})
	if err != nil {
		return Submitted{}, err
	}
	return Submitted{Code: c.Code, DueDate: calendar.DateOf(c.DueAt), Department: c.Department, Provisional: c.Provisional}, nil
}

func hasAny(a queries.Actor, roles ...string) bool {
	for _, r := range roles {
		if slices.Contains(a.Roles, r) {
			return true
		}
	}
	return false
}

// row is the stored application with its query.
type row struct {
	QueryID        int64          `db:"query_id"`
	Code           string         `db:"code"`
	QueryStatus    string         `db:"status"`
	DepartmentID   int64          `db:"department_id"`
	DepartmentCode string         `db:"department_code"`
	Department     string         `db:"department"`
	Agency         string         `db:"agency"`
	Channel        string         `db:"channel"`
	ReceivedOn     calendar.Date  `db:"received_on"`
	AcceptedAt     time.Time      `db:"accepted_at"`
	ApplicantType  string         `db:"applicant_type"`
	Masked         string         `db:"applicant_masked"`
	Enc            []byte         `db:"applicant_enc"`
	CreditCode     string         `db:"credit_code"`
	Information    string         `db:"information"`
	Purpose        string         `db:"purpose"`
	Delivery       string         `db:"delivery"`
	Pickup         string         `db:"pickup"`
	State          string         `db:"state"`
	Decision       sql.NullString `db:"decision"`
	Reason         string         `db:"reason"`
	DecisionText   string         `db:"decision_text"`
	Withheld       string         `db:"withheld"`
	Documents      pq.Int64Array  `db:"documents"`
	DecidedOn      nullDate       `db:"decided_on"`
	DecidedBy      string         `db:"decided_by"`
	NoticeNo       string         `db:"notice_no"`
	FeeYuan        string         `db:"fee_yuan"`
	FeeNote        string         `db:"fee_note"`
	DeliveredOn    nullDate       `db:"delivered_on"`
	DeliveryMethod sql.NullString `db:"delivery_method"`
	DeliveryNote   string         `db:"delivery_note"`
}

const selectRow = `SELECT a.query_id, q.code, q.status, a.department_id, d.code AS department_code, d.name AS department,
		d.full_name AS agency, a.channel, a.received_on, q.accepted_at, a.applicant_type, a.applicant_masked, a.applicant_enc,
		a.credit_code, a.information, a.purpose, a.delivery, a.pickup, a.state, a.decision, a.reason, a.decision_text,
		a.withheld, a.documents, a.decided_on, COALESCE(ac.username, '') AS decided_by, a.notice_no, a.fee_yuan::text AS fee_yuan,
		a.fee_note, a.delivered_on, a.delivery_method, a.delivery_note
	FROM applications a JOIN queries q ON q.id = a.query_id JOIN departments d ON d.id = a.department_id
	LEFT JOIN accounts ac ON ac.id = a.decided_by`

// load reads the application with code. It fails with queries.ErrBadCode
// and queries.ErrNotFound.
func (s *Store) load(ctx context.Context, q sqlx.QueryerContext, code string, lock bool) (row, error) {
	var r row
	code, err := queries.ParseCode(code)
	if err != nil {
		return r, err
	}
	sel := selectRow + ` WHERE q.code = $1`
	if lock {
		sel += ` FOR UPDATE OF a`
	}
	err = sqlx.GetContext(ctx, q, &r, sel, code)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("%w: 没有找到该政府信息公开申请，请核对查询码", queries.ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("applications: read %s: %w", code, err)
	}
	return r, nil
}

// open unseals the applicant's personal data. After its retention period
// (hotline/retention) only the masked name and the redacted text are left.
func (s *Store) open(r row) (personal, error) {
	var p personal
	if len(r.Enc) == 0 {
		return personal{Org: r.ApplicantType != Natural, Name: r.Masked, Information: r.Information, Purpose: r.Purpose}, nil
	}
	b, err := s.keys.Open(r.Enc, applicantAAD(r.QueryID))
	if err != nil {
		return p, fmt.Errorf("applications: %s: %w", r.Code, err)
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return p, fmt.Errorf("applications: %s: personal data: %w", r.Code, err)
	}
	return p, nil
}

// handles reports whether a is a liaison of the department handling r:
// the only ones who see the applicant unmasked.
func handles(a queries.Actor, r row) bool {
	return slices.Contains(a.Roles, roleLiaison) && a.DepartmentID != 0 && a.DepartmentID == r.DepartmentID
}

// mayRead checks that a may see r at all: staff of any role, liaisons
// only their department's.
func mayRead(a queries.Actor, r row) error {
	switch {
	case a.AccountID == 0:
		return forbidden("只有工作人员可以查看申请")
	case hasAny(a, roleAdmin, roleSupervisor, "reviewer", "operator"):
		return nil
	case handles(a, r):
		return nil
	}
	return forbidden("申请 %s 不是您所在部门办理的", r.Code)
}

// mayRecord checks that a may record cases, fees and deliveries of r: its
// department's liaisons and admins (and supervisors, for cases).
func mayRecord(a queries.Actor, r row, supervisors bool) error {
	if handles(a, r) || hasAny(a, roleAdmin) || (supervisors && hasAny(a, roleSupervisor)) {
		return nil
	}
	return forbidden("只有%s的信息联络员可以登记", r.Department)
}

// nullDate is a nullable date column.
type nullDate struct {
	Date  calendar.Date
	Valid bool
}

// Scan reads a date or NULL.
func (d *nullDate) Scan(v any) error {
	if v == nil {
		*d = nullDate{}
		return nil
	}
	d.Valid = true
	return d.Date.Scan(v)
}
