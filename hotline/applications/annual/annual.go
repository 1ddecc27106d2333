// Package annual computes the 政府信息公开工作年度报告 of a year, for one
// department or the whole county, in the national format of
// 国办公开办函〔2021〕30号: the six sections, table 二 (主动公开: 文种 counts
// from the catalog, manual entries for 许可, 处罚, 强制 and 收费), table 三
// (applications received and handled, from hotline/applications' records)
// and table 四 (administrative review and litigation). Compute returns one
// Report that every renderer (the console, HTML, XLSX, PDF and the
// published catalog document) draws from, so no two outputs can disagree;
// Checks are the format's consistency rules, and a report that fails one is
// never published. Dates are civil dates in Asia/Shanghai.
package annual

import (
	"errors"
	"fmt"
	"time"

	"github.com/govhall/govhall/hotline/applications"
)

// Errors of the annual report. FieldError wraps ErrInvalid.
var (
	ErrNotFound     = errors.New("annual: not found")
	ErrInvalid      = errors.New("annual: invalid input")
	ErrChecksFailed = errors.New("annual: the report fails its consistency checks")
	ErrConflict     = errors.New("annual: conflict with the published document")
)

// FieldError names the field of a refused input and says what is wrong in
// Chinese.
type FieldError struct {
	Field, Msg string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *FieldError) Unwrap() error { return ErrInvalid }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Section headings, exact.
const (
	HeadingOverview = "一、总体情况"
	HeadingActive   = "二、主动公开政府信息情况"
	HeadingRequests = "三、收到和处理政府信息公开申请情况"
	HeadingAppeals  = "四、政府信息公开行政复议、行政诉讼情况"
	HeadingProblems = "五、存在的主要问题及改进情况"
	HeadingOther    = "六、其他需要报告的事项"
)

// Headings lists the six section headings in order.
var Headings = []string{HeadingOverview, HeadingActive, HeadingRequests, HeadingAppeals, HeadingProblems, HeadingOther}

// Department is the agency a report is for.
type Department struct {
	ID       int64  `db:"id" json:"id"`
	Code     string `db:"code" json:"code"`
	Name     string `db:"name" json:"name"`
	FullName string `db:"full_name" json:"full_name"`
}

// Report is a computed annual report: what every renderer shows.
type Report struct {
	Year        int         `json:"year"`
	Department  *Department `json:"department,omitempty"` // nil: the whole county
	Agency      string      `json:"agency"`               // 沂源县民政局, or 沂源县人民政府 for the county
	Title       string      `json:"title"`
	From        string      `json:"from"` // YYYY-01-01
	To          string      `json:"to"`   // YYYY-12-31
	Preamble    string      `json:"preamble"`
	Overview    Prose       `json:"overview"`      // 一
	Problems    Prose       `json:"problems"`      // 五
	Other       Prose       `json:"other_matters"` // 六
	Active      Table2      `json:"active"`        // 二
	Requests    Table3      `json:"requests"`      // 三
	Appeals     Table4      `json:"appeals"`       // 四
	Fees        Fees        `json:"fees"`
	Notes       []string    `json:"notes"`    // how figures were counted where the data is incomplete
	Warnings    []string    `json:"warnings"` // what staff should still fill in; never blocks publishing
	Checks      []Check     `json:"checks"`
	DocumentID  *int64      `json:"document_id,omitempty"` // the catalog document it was published as
	GeneratedAt time.Time   `json:"generated_at"`
}

// Key is the department code of a report, "" for the whole county.
func (r *Report) Key() string {
	if r.Department == nil {
		return ""
	}
	return r.Department.Code
}

// Prose is a section staff write: the saved template with {placeholders}
// (or the generated default) and the text with the figures filled in.
type Prose struct {
	Template string `json:"template"`
	Text     string `json:"text"`
	Default  bool   `json:"default"` // nothing saved yet: the generated text
}

// Fees is the 信息处理费 of applications decided in the year (section 六).
type Fees struct {
	Yuan         string `db:"yuan" json:"yuan"` // e.g. "0.00"
	Applications int    `db:"applications" json:"applications"`
}

// Table2 is 二、主动公开政府信息情况.
type Table2 struct {
	Regulations DocCounts `json:"regulations"` // 规章 (0 for a county, which makes none)
	Normative   DocCounts `json:"normative"`   // 行政规范性文件
	Permission  Entry     `json:"permission"`  // 第二十条第（五）项 行政许可
	Penalty     Entry     `json:"penalty"`     // 第二十条第（六）项 行政处罚
	Compulsion  Entry     `json:"compulsion"`  // 第二十条第（六）项 行政强制
	Fee         Entry     `json:"fee"`         // 第二十条第（八）项 行政事业性收费, 万元
}

// DocCounts are the catalog's figures of one 文种 in block 第二十条第（一）项.
type DocCounts struct {
	Made     int `json:"made"`     // 本年制发件数: 成文日期 in the year
	Repealed int `json:"repealed"` // 本年废止件数: changed to 废止/失效 in the year
	Valid    int `json:"valid"`    // 现行有效件数: 有效 on 31 December
}

// Entry is a figure of table 二 that comes from another system, typed in
// by staff with its reason or source.
type Entry struct {
	Item   string `json:"item"` // permission, penalty, compulsion, fee
	Label  string `json:"label"`
	Value  string `json:"value"` // a whole number, or 万元 with up to 4 decimals for fee
	Reason string `json:"reason"`
	// Source says where Value comes from: "manual" (typed in for this
	// report), "departments" (the county's sum of its departments'
	// entries) or "missing" (nothing entered: 0).
	Source string `json:"source"`
}

// Manual entry items of table 二.
const (
	ItemPermission = "permission"
	ItemPenalty    = "penalty"
	ItemCompulsion = "compulsion"
	ItemFee        = "fee"
)

var itemLabels = map[string]string{ItemPermission: "行政许可", ItemPenalty: "行政处罚", ItemCompulsion: "行政强制", ItemFee: "行政事业性收费"}

// Items lists the manual entries in the order of table 二.
var Items = []string{ItemPermission, ItemPenalty, ItemCompulsion, ItemFee}

// ItemLabel returns the label of a manual entry item ("" for an unknown one).
func ItemLabel(item string) string { return itemLabels[item] }

// Table 三's columns: the six applicant types and 总计.
const (
	Columns3  = 7
	TotalCol3 = 6
)

// ColumnCodes are the codes of table 三's columns: the applicant types in
// order, then "total".
var ColumnCodes = func() []string {
	var cs []string
	for _, t := range applications.ApplicantTypes {
		cs = append(cs, t.Code)
	}
	return append(cs, "total")
}()

// Exact labels of table 三's header.
const (
	Note3       = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
	Applicants3 = "申请人情况"
	Natural3    = "自然人"
	Orgs3       = "法人或其他组织"
	Total3      = "总计"
	Results3    = "三、本年度办理结果"
)

// Table3 is 三、收到和处理政府信息公开申请情况: rows in the form's order,
// each with the 7 columns of ColumnCodes.
type Table3 struct {
	Columns []string `json:"columns"` // 自然人, 商业企业, 科研机构, 社会公益组织, 法律服务机构, 其他, 总计
	Rows    []Row    `json:"rows"`
}

// Row is a row of table 三. Top-level rows (一, 二, 四) span the three
// label columns; result rows sit under 三、本年度办理结果, decisions
// without reasons (（一）, （二）, （七）) span two, and reason rows have
// their decision (Group) beside them.
type Row struct {
	Code   string        `json:"code"`  // new, carried_in, granted, partial, denied.state_secret, …, total, carried_out
	Label  string        `json:"label"` // exact: 一、本年新收政府信息公开申请数量, （一）予以公开, 1.属于国家秘密 …
	Result bool          `json:"result"`
	Group  string        `json:"group,omitempty"` // （三）不予公开 for its reasons
	Counts [Columns3]int `json:"counts"`
}

// Row codes of table 三 that are not decisions or reasons.
const (
	RowNew        = "new"
	RowCarriedIn  = "carried_in"
	RowTotal      = "total"
	RowCarriedOut = "carried_out"
)

var chineseOrdinals = []string{"一", "二", "三", "四", "五", "六", "七"}

// Layout3 returns table 三's rows without counts, in the form's order with
// the exact labels.
func Layout3() []Row {
	rows := []Row{
		{Code: RowNew, Label: "一、本年新收政府信息公开申请数量"},
		{Code: RowCarriedIn, Label: "二、上年结转政府信息公开申请数量"},
	}
	for i, d := range applications.Decisions {
		label := "（" + chineseOrdinals[i] + "）" + d.Text
		if len(d.Reasons) == 0 {
			rows = append(rows, Row{Code: d.Code, Label: label, Result: true})
			continue
		}
		for j, r := range d.Reasons {
			rows = append(rows, Row{Code: d.Code + "." + r.Code, Label: fmt.Sprintf("%d.%s", j+1, r.Text), Result: true, Group: label})
		}
	}
	rows = append(rows, Row{Code: RowTotal, Label: "（" + chineseOrdinals[len(applications.Decisions)] + "）总计", Result: true})
	return append(rows, Row{Code: RowCarriedOut, Label: "四、结转下年度继续办理"})
}

// Row returns the row of a code, or nil.
func (t *Table3) Row(code string) *Row {
	for i := range t.Rows {
		if t.Rows[i].Code == code {
			return &t.Rows[i]
		}
	}
	return nil
}

// Exact labels of table 四.
const (
	Review4        = "行政复议"
	Suit4          = "行政诉讼"
	SuitDirect4    = "未经复议直接起诉"
	SuitAfter4     = "复议后起诉"
	Columns4       = 5
	TotalCol4      = 4
	OutcomeTotal4  = "总计"
	outcomeUpheld  = "结果维持"
	outcomeFixed   = "结果纠正"
	outcomeOther   = "其他结果"
	outcomePending = "尚未审结"
)

// Outcomes4 are the five columns of each group of table 四.
var Outcomes4 = []string{outcomeUpheld, outcomeFixed, outcomeOther, outcomePending, OutcomeTotal4}

var outcomeIndex = map[string]int{applications.Upheld: 0, applications.Corrected: 1, applications.OtherEnd: 2, applications.Pending: 3}

// Table4 is 四、政府信息公开行政复议、行政诉讼情况: one row of 15 numbers in
// three groups.
type Table4 struct {
	Groups []Group4 `json:"groups"`
}

// Group4 is one group of table 四: 行政复议, or a kind of 行政诉讼.
type Group4 struct {
	Kind   string        `json:"kind"`  // review, suit_direct, suit_after_review
	Label  string        `json:"label"` // 行政复议, 未经复议直接起诉, 复议后起诉
	Counts [Columns4]int `json:"counts"`
}

// Layout4 returns table 四's groups without counts.
func Layout4() []Group4 {
	return []Group4{
		{Kind: applications.Review, Label: Review4},
		{Kind: applications.SuitDirect, Label: SuitDirect4},
		{Kind: applications.SuitAfterReview, Label: SuitAfter4},
	}
}
