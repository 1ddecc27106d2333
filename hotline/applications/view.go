package applications

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/queries"
)

// Applicant is who applied: unmasked for the handling department's
// liaisons, masked for every other viewer (Masked true).
type Applicant struct {
	Type          string `json:"applicant_type"`
	TypeText      string `json:"applicant_type_text"`
	Name          string `json:"name"`
	IDType        string `json:"id_type,omitempty"`
	IDTypeText    string `json:"id_type_text,omitempty"`
	IDNumber      string `json:"id_number,omitempty"`
	CreditCode    string `json:"credit_code,omitempty"`
	ContactPerson string `json:"contact_person,omitempty"`
	Phone         string `json:"phone"`
	Address       string `json:"address,omitempty"`
	Email         string `json:"email,omitempty"`
	Masked        bool   `json:"masked"`
}

func (p personal) applicant(r row, full bool) Applicant {
	a := Applicant{Type: r.ApplicantType, TypeText: Text(ApplicantTypes, r.ApplicantType), Name: p.Name, IDType: p.IDType,
		IDTypeText: Text(IDTypes, p.IDType), IDNumber: p.IDNumber, CreditCode: r.CreditCode, ContactPerson: p.ContactPerson,
		Phone: p.Phone, Address: p.Address, Email: p.Email}
	if p.IDType == "" {
		a.IDTypeText = ""
	}
	if full {
		return a
	}
	a.Masked, a.Name, a.ContactPerson = true, r.Masked, queries.MaskName(p.ContactPerson)
	a.IDNumber, a.Phone, a.Address, a.Email = maskID(p.IDNumber), queries.MaskPhone(p.Phone), maskAddress(p.Address), maskEmail(p.Email)
	return a
}

// maskID keeps the first and last characters of an ID number: the first
// six and the last four of a 居民身份证.
func maskID(n string) string {
	switch {
	case n == "":
		return ""
	case len(n) == 18:
		return n[:6] + strings.Repeat("*", 8) + n[14:]
	case len(n) <= 4:
		return strings.Repeat("*", len(n))
	}
	return n[:1] + strings.Repeat("*", len(n)-3) + n[len(n)-2:]
}

// maskAddress keeps the first six characters (province, city, county).
func maskAddress(s string) string {
	if s == "" {
		return ""
	}
	r := []rune(s)
	return string(r[:min(6, len(r)/2)]) + "****"
}

// maskEmail keeps the first character and the domain.
func maskEmail(s string) string {
	at := strings.LastIndexByte(s, '@')
	if at <= 0 {
		return strings.Repeat("*", utf8.RuneCountInString(s))
	}
	first, _ := utf8.DecodeRuneInString(s)
	return string(first) + "***" + s[at:]
}

// Clock is where an application's time limit stands.
type Clock struct {
	Limit       calendar.Limit `json:"limit"`
	Days        int            `json:"days"`
	StartedAt   time.Time      `json:"started_at"`
	DueDate     calendar.Date  `json:"due_date"`
	DueAt       time.Time      `json:"due_at"`
	Provisional bool           `json:"provisional,omitempty"`
	Open        bool           `json:"open"`
	Stopped     bool           `json:"stopped"`
	Overdue     bool           `json:"overdue"`
	WorkingLeft int            `json:"working_days_left"`
	Light       string         `json:"light"` // red, amber, green, stopped (queries.Light*), done
	LightText   string         `json:"light_text"`
	// ExtensionPending: an extension waits for the head's approval.
	ExtensionPending bool `json:"extension_pending,omitempty"`
}

// CorrectionView is a 补正 request.
type CorrectionView struct {
	Missing     string        `db:"missing" json:"missing"`
	RequestedOn calendar.Date `db:"requested_on" json:"requested_on"`
	ReceivedOn  nullDate      `db:"received_on" json:"-"`
	Received    string        `db:"-" json:"received_on,omitempty"`
	DueDate     nullDate      `db:"due_date" json:"-"`
	Due         string        `db:"-" json:"due_date,omitempty"`
	Note        string        `db:"note" json:"note,omitempty"`
}

// ConsultationView is a third-party consultation, for staff.
type ConsultationView struct {
	ThirdParty  string         `db:"-" json:"third_party"`
	Enc         []byte         `db:"third_party_enc" json:"-"`
	AskedOn     calendar.Date  `db:"asked_on" json:"asked_on"`
	DueOn       calendar.Date  `db:"due_on" json:"due_on"` // the third party's 15 working days
	EndedOn     nullDate       `db:"ended_on" json:"-"`
	Ended       string         `db:"-" json:"ended_on,omitempty"`
	Opinion     sql.NullString `db:"opinion" json:"-"`
	OpinionText string         `db:"-" json:"opinion,omitempty"`
	Note        string         `db:"note" json:"note,omitempty"`
	Late        bool           `db:"-" json:"late"` // still open past its due day
}

// Decided is the decision of an application.
type Decided struct {
	Decision     string        `json:"decision"`
	DecisionText string        `json:"decision_text"` // the report's label
	Short        string        `json:"short"`
	Reason       string        `json:"reason,omitempty"`
	ReasonText   string        `json:"reason_text,omitempty"`
	Basis        string        `json:"basis"`
	Text         string        `json:"text,omitempty"`
	Withheld     string        `json:"withheld,omitempty"`
	Documents    []Document    `json:"documents"`
	DecidedOn    calendar.Date `json:"decided_on"`
	DecidedBy    string        `json:"decided_by"`
	NoticeNo     string        `json:"notice_no"`
	// Delivery of the notice, once recorded.
	DeliveredOn    string `json:"delivered_on,omitempty"`
	DeliveryMethod string `json:"delivery_method,omitempty"`
	DeliveryText   string `json:"delivery_method_text,omitempty"`
	DeliveryNote   string `json:"delivery_note,omitempty"`
}

// View is an application for staff.
type View struct {
	Code           string             `json:"code"`
	Department     string             `json:"department"`
	DepartmentCode string             `json:"department_code"`
	Agency         string             `json:"agency"`
	Channel        string             `json:"channel"`
	ChannelText    string             `json:"channel_text"`
	ReceivedOn     calendar.Date      `json:"received_on"`
	AcceptedAt     time.Time          `json:"accepted_at"`
	Applicant      Applicant          `json:"applicant"`
	Information    string             `json:"information"`
	Purpose        string             `json:"purpose,omitempty"`
	Delivery       string             `json:"delivery"`
	DeliveryText   string             `json:"delivery_text"`
	Pickup         string             `json:"pickup"`
	PickupText     string             `json:"pickup_text"`
	State          string             `json:"state"`
	StateText      string             `json:"state_text"`
	Clock          Clock              `json:"clock"`
	Corrections    []CorrectionView   `json:"corrections"`
	Consultations  []ConsultationView `json:"consultations"`
	Decision       *Decided           `json:"decision,omitempty"`
	FeeYuan        string             `json:"fee_yuan"`
	FeeNote        string             `json:"fee_note,omitempty"`
	Cases          []Case             `json:"cases"`
	CanHandle      bool               `json:"can_handle"` // a is a liaison of the handling department
}

// Get returns the application with code for a: everything for the handling
// department's liaisons, the applicant masked (and the third parties
// hidden) for every other staff member. Liaisons of other departments may
// not see it. It fails with queries.ErrBadCode, ErrNotFound, ErrForbidden.
func (s *Store) Get(ctx context.Context, a queries.Actor, code string) (View, error) {
	r, err := s.load(ctx, s.db, code, false)
	if err != nil {
		return View{}, err
	}
	if err := mayRead(a, r); err != nil {
		return View{}, err
	}
	p, err := s.open(r)
	if err != nil {
		return View{}, err
	}
	full := handles(a, r)
	v := View{Code: r.Code, Department: r.Department, DepartmentCode: r.DepartmentCode, Agency: r.Agency, Channel: r.Channel,
		ChannelText: Text(Channels, r.Channel), ReceivedOn: r.ReceivedOn, AcceptedAt: r.AcceptedAt, Applicant: p.applicant(r, full),
		Information: r.Information, Purpose: r.Purpose, Delivery: r.Delivery, DeliveryText: Text(Deliveries, r.Delivery),
		Pickup: r.Pickup, PickupText: Text(Pickups, r.Pickup), State: r.State, StateText: Text(States, r.State),
		FeeYuan: r.FeeYuan, FeeNote: r.FeeNote, CanHandle: full}
	if full {
		v.Information, v.Purpose = p.Information, p.Purpose
	}
	if v.Clock, err = s.clock(ctx, r); err != nil {
		return View{}, err
	}
	const corr = `SELECT missing, requested_on, received_on, due_date, note FROM application_corrections WHERE query_id = $1 ORDER BY id`
	if err := s.db.SelectContext(ctx, &v.Corrections, corr, r.QueryID); err != nil {
		return View{}, fmt.Errorf("applications: corrections: %w", err)
	}
	for i := range v.Corrections {
		c := &v.Corrections[i]
		if c.ReceivedOn.Valid {
			c.Received, c.Due = c.ReceivedOn.Date.String(), c.DueDate.Date.String()
		}
	}
	if v.Consultations, err = s.consultations(ctx, r, full); err != nil {
		return View{}, err
	}
	if v.Decision, err = s.decided(ctx, r); err != nil {
		return View{}, err
	}
	if v.Cases, err = s.cases(ctx, r.QueryID); err != nil {
		return View{}, err
	}
	return v, nil
}

func (s *Store) consultations(ctx context.Context, r row, full bool) ([]ConsultationView, error) {
	var cs []ConsultationView
	const q = `SELECT third_party_enc, asked_on, due_on, ended_on, opinion, note FROM application_consultations WHERE query_id = $1 ORDER BY id`
	if err := s.db.SelectContext(ctx, &cs, q, r.QueryID); err != nil {
		return nil, fmt.Errorf("applications: consultations: %w", err)
	}
	today := calendar.DateOf(s.now())
	for i := range cs {
		c := &cs[i]
		c.ThirdParty = "（第三方）"
		if full && len(c.Enc) == 0 {
			c.ThirdParty = "（第三方信息已保存期满删除）"
		} else if full {
			b, err := s.keys.Open(c.Enc, thirdPartyAAD(r.QueryID))
			if err != nil {
				return nil, fmt.Errorf("applications: %s: third party: %w", r.Code, err)
			}
			c.ThirdParty = string(b)
		}
		if c.EndedOn.Valid {
			c.Ended, c.OpinionText = c.EndedOn.Date.String(), Text(Opinions, c.Opinion.String)
		}
		c.Late = !c.EndedOn.Valid && today.After(c.DueOn)
	}
	return cs, nil
}

func (s *Store) decided(ctx context.Context, r row) (*Decided, error) {
	if !r.Decision.Valid {
		return nil, nil
	}
	d, reason, _ := LookupReason(r.Decision.String, r.Reason)
	out := &Decided{Decision: d.Code, DecisionText: d.Text, Short: DecisionShort(d.Code), Reason: r.Reason, ReasonText: reason.Text,
		Basis: Basis(d.Code, r.Reason), Text: r.DecisionText, Withheld: r.Withheld, DecidedOn: r.DecidedOn.Date,
		DecidedBy: r.DecidedBy, NoticeNo: r.NoticeNo, Documents: []Document{}}
	if len(r.Documents) > 0 {
		// The documents as stored, even one withdrawn since: the notice
		// says what was disclosed.
		const q = `SELECT id, code, title, doc_number FROM documents WHERE id = ANY($1) ORDER BY id`
		if err := s.db.SelectContext(ctx, &out.Documents, q, r.Documents); err != nil {
			return nil, fmt.Errorf("applications: documents of %s: %w", r.Code, err)
		}
	}
	if r.DeliveredOn.Valid {
		out.DeliveredOn, out.DeliveryMethod = r.DeliveredOn.Date.String(), r.DeliveryMethod.String
		out.DeliveryText, out.DeliveryNote = Text(Pickups, r.DeliveryMethod.String), r.DeliveryNote
	}
	return out, nil
}

// clockRow is an application's last department clock.
type clockRow struct {
	Kind        calendar.Limit `db:"kind"`
	Days        int            `db:"days"`
	StartedAt   time.Time      `db:"started_at"`
	DueAt       time.Time      `db:"due_at"`
	DueDate     calendar.Date  `db:"due_date"`
	Provisional bool           `db:"provisional"`
	Stopped     bool           `db:"stopped"`
	Open        bool           `db:"open"`
	ClosedAt    sql.NullTime   `db:"closed_at"`
	Pending     bool           `db:"pending"`
}

func (s *Store) clock(ctx context.Context, r row) (Clock, error) {
	var c clockRow
	const q = `SELECT c.kind, c.days, c.started_at, c.due_at, c.due_date, c.provisional, c.stopped_at IS NOT NULL AS stopped,
			c.closed_at IS NULL AS open, c.closed_at,
			EXISTS (SELECT 1 FROM query_approvals ap WHERE ap.clock_id = c.id AND ap.status = 'pending' AND ap.kind = 'extension') AS pending
		FROM query_clocks c WHERE c.query_id = $1 AND c.complaint_id IS NULL ORDER BY c.closed_at IS NULL DESC, c.id DESC LIMIT 1`
	err := s.db.GetContext(ctx, &c, q, r.QueryID)
	if errors.Is(err, sql.ErrNoRows) {
		return Clock{}, nil
	}
	if err != nil {
		return Clock{}, fmt.Errorf("applications: clock of %s: %w", r.Code, err)
	}
	var consultDue *calendar.Date
	if r.State == "consulting" {
		var d calendar.Date
		if err := s.db.GetContext(ctx, &d, `SELECT due_on FROM application_consultations WHERE query_id = $1 AND ended_on IS NULL`, r.QueryID); err == nil {
			consultDue = &d
		}
	}
	return s.light(c, r.State, consultDue), nil
}

// light works out what the desk shows of a clock.
func (s *Store) light(c clockRow, state string, consultDue *calendar.Date) Clock {
	now, cal := s.now(), s.cal.Calendar()
	out := Clock{Limit: c.Kind, Days: c.Days, StartedAt: c.StartedAt, DueDate: c.DueDate, DueAt: c.DueAt, Provisional: c.Provisional,
		Open: c.Open, Stopped: c.Stopped, ExtensionPending: c.Pending}
	out.WorkingLeft = cal.WorkingDaysBetween(calendar.DateOf(now), c.DueDate)
	switch {
	case !c.Open:
		out.Overdue = c.ClosedAt.Time.After(c.DueAt)
		out.Light, out.LightText = "done", "已答复"
		if out.Overdue {
			out.LightText = "已答复（超期）"
		}
	case c.Stopped && state == "consulting":
		out.Light, out.LightText = queries.LightStopped, "征求第三方意见，暂停计时"
		if consultDue != nil {
			out.LightText += fmt.Sprintf("（第三方答复期限至%s）", consultDue)
		}
	case c.Stopped:
		out.Light, out.LightText = queries.LightStopped, "等待申请人补正，暂停计时"
	case now.After(c.DueAt):
		out.Overdue = true
		out.Light, out.LightText = queries.LightRed, fmt.Sprintf("已超期 %d 个工作日", max(-out.WorkingLeft, 0))
		if out.WorkingLeft == 0 {
			out.LightText = "今天已超期"
		}
	case out.WorkingLeft <= 3:
		out.Light, out.LightText = queries.LightAmber, fmt.Sprintf("剩余 %d 个工作日", out.WorkingLeft)
		if out.WorkingLeft == 0 {
			out.LightText = "今天到期"
		}
	default:
		out.Light, out.LightText = queries.LightGreen, fmt.Sprintf("剩余 %d 个工作日", out.WorkingLeft)
	}
	if c.Pending {
		out.LightText += "；延期待批"
	}
	return out
}

// Item is an application in a department's list.
type Item struct {
	Code          string        `db:"code" json:"code"`
	ReceivedOn    calendar.Date `db:"received_on" json:"received_on"`
	Channel       string        `db:"channel" json:"channel"`
	ApplicantType string        `db:"applicant_type" json:"applicant_type"`
	Applicant     string        `db:"applicant_masked" json:"applicant"` // masked
	Information   string        `db:"information" json:"information"`
	State         string        `db:"state" json:"state"`
	StateText     string        `db:"-" json:"state_text"`
	Decision      string        `db:"decision" json:"decision,omitempty"`
	DecisionShort string        `db:"-" json:"decision_short,omitempty"`
	DecidedOn     nullDate      `db:"decided_on" json:"-"`
	Decided       string        `db:"-" json:"decided_on,omitempty"`
	Department    string        `db:"department" json:"department"`
	Clock         Clock         `db:"-" json:"clock"`
	clockRow      `json:"-"`
	ConsultDue    nullDate `db:"consult_due" json:"-"`
}

// ListFilter selects applications: a department's (liaisons always get
// their own), open (the default), decided or all, received in a year.
type ListFilter struct {
	Department string
	State      string // open, decided, all
	Year       int
	Limit      int
}

// List returns a department's applications: open ones by working days
// left (overdue first, stopped last), decided ones newest first. Liaisons
// list their own department; supervisors and admins any (Department
// required). It fails with ErrForbidden and a *queries.FieldError.
func (s *Store) List(ctx context.Context, a queries.Actor, f ListFilter) ([]Item, error) {
	dep := a.DepartmentID
	switch {
	case hasAny(a, roleSupervisor, roleAdmin) && f.Department != "":
		if err := s.db.GetContext(ctx, &dep, `SELECT id FROM departments WHERE code = $1 OR name = $1 ORDER BY id LIMIT 1`, f.Department); err != nil {
			return nil, fieldErr("department", "没有名为“%s”的部门", f.Department)
		}
	case hasAny(a, roleLiaison) && dep != 0:
	case hasAny(a, roleSupervisor, roleAdmin):
		return nil, fieldErr("department", "请选择部门")
	default:
		return nil, forbidden("只有信息联络员、监察人员和管理员可以查看申请列表")
	}
	where := `a.department_id = $1`
	switch f.State {
	case "", "open":
		where += ` AND a.state <> 'decided'`
	case "decided":
		where += ` AND a.state = 'decided'`
	case "all":
	default:
		return nil, fieldErr("state", "“%s”不是筛选条件：请用 open、decided 或 all", f.State)
	}
	args := []any{dep}
	if f.Year != 0 {
		args = append(args, f.Year)
		where += ` AND extract(year FROM a.received_on) = $2`
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 500
	}
	q := `SELECT q.code, a.received_on, a.channel, a.applicant_type, a.applicant_masked, left(a.information, 80) AS information,
			a.state, COALESCE(a.decision, '') AS decision, a.decided_on, d.name AS department,
			c.kind, c.days, c.started_at, c.due_at, c.due_date, c.provisional, c.stopped_at IS NOT NULL AS stopped,
			c.closed_at IS NULL AS open, c.closed_at,
			EXISTS (SELECT 1 FROM query_approvals ap WHERE ap.clock_id = c.id AND ap.status = 'pending' AND ap.kind = 'extension') AS pending,
			(SELECT due_on FROM application_consultations k WHERE k.query_id = a.query_id AND k.ended_on IS NULL) AS consult_due
		FROM applications a JOIN queries q ON q.id = a.query_id JOIN departments d ON d.id = a.department_id
		JOIN LATERAL (SELECT * FROM query_clocks c WHERE c.query_id = a.query_id AND c.complaint_id IS NULL
			ORDER BY c.closed_at IS NULL DESC, c.id DESC LIMIT 1) c ON true
		WHERE ` + where + fmt.Sprintf(` ORDER BY a.state = 'decided', CASE WHEN a.state = 'decided' THEN NULL ELSE c.due_at END, a.decided_on DESC, a.received_on DESC, a.query_id LIMIT %d`, limit)
	var items []Item
	if err := s.db.SelectContext(ctx, &items, q, args...); err != nil {
		return nil, fmt.Errorf("applications: list: %w", err)
	}
	rank := func(it Item) int {
		switch it.Clock.Light {
		case queries.LightStopped:
			return 1 << 20
		case "done":
			return 1 << 21
		}
		return it.Clock.WorkingLeft
	}
	for i := range items {
		it := &items[i]
		var due *calendar.Date
		if it.ConsultDue.Valid {
			due = &it.ConsultDue.Date
		}
		it.Clock = s.light(it.clockRow, it.State, due)
		it.StateText, it.DecisionShort = Text(States, it.State), DecisionShort(it.Decision)
		if it.DecidedOn.Valid {
			it.Decided = it.DecidedOn.Date.String()
		}
	}
	slices.SortStableFunc(items, func(x, y Item) int { return rank(x) - rank(y) })
	return items, nil
}
