package stats

import (
	"fmt"
	"math"
	"time"
)

// Report is everything a statistics page, export or kept report shows, in
// the order shown: every renderer (HTML, CSV, XLSX, PDF) draws these
// tables cell by cell, so all of them say the same.
type Report struct {
	Title           string           `json:"title"`
	Period          Period           `json:"period"`
	PeriodLabel     string           `json:"period_label"`
	Department      string           `json:"department,omitempty"`
	DepartmentName  string           `json:"department_name,omitempty"`
	Dimension       string           `json:"dimension"`
	GeneratedAt     time.Time        `json:"generated_at"`
	CalendarVersion string           `json:"calendar_version"`
	CalendarNotes   []string         `json:"calendar_notes"`
	ClockVersions   []string         `json:"clock_versions,omitempty"`
	Settings        Settings         `json:"settings"`
	Notes           []string         `json:"notes,omitempty"`
	Tables          []Table          `json:"tables"`
	Figures         map[string]Value `json:"figures"`
	Charts          Charts           `json:"charts"`

	facts *Facts
}

// Value is a figure's numbers: Num ÷ Den for a ratio or mean (Den 0: no
// data), Num alone for a count.
type Value struct {
	Num   float64 `json:"num"`
	Den   float64 `json:"den,omitempty"`
	Value float64 `json:"value"`
	Text  string  `json:"text"`
	NA    bool    `json:"na,omitempty"` // no denominator: shown as —
}

// Table is one table of the report.
type Table struct {
	ID    string   `json:"id"`
	Title string   `json:"title"`
	Note  string   `json:"note,omitempty"`
	Head  []string `json:"head"`
	Rows  []Row    `json:"rows"`
}

// Row is a row of a table; Flag marks a row that misses its target (a
// day under 95%) and says why.
type Row struct {
	Cells  []Cell `json:"cells"`
	Flag   string `json:"flag,omitempty"`
	Figure string `json:"figure,omitempty"`
}

// Cell is one cell: its text and, when it stands for a set of records, the
// set and filter of the list behind it.
type Cell struct {
	Text   string `json:"text"`
	Set    string `json:"set,omitempty"`
	Filter Filter `json:"filter,omitzero"`
	Num    bool   `json:"num,omitempty"` // right-aligned
}

// Charts are the series the page draws with ECharts.
type Charts struct {
	Hours      []string  `json:"hours"`       // 00 … 23
	Offered    []float64 `json:"offered"`     // calls reaching the queue per day, by hour
	Staffed    []float64 `json:"staffed"`     // operators available, busy or in wrap-up, mean, by hour
	Weeks      []string  `json:"weeks"`       // 2025-W10 …
	WeekCalls  []int     `json:"week_calls"`  // 来电量
	WeekRate   []float64 `json:"week_rate"`   // 话务接通率 %
	WeekRate15 []float64 `json:"week_rate15"` // 15秒接通率 %
	League     []string  `json:"league"`      // departments, best first
	LeagueRate []float64 `json:"league_rate"` // 部门服务电话响应性 %
}

// Table returns the table with id, or nil.
func (r *Report) Table(id string) *Table {
	for i := range r.Tables {
		if r.Tables[i].ID == id {
			return &r.Tables[i]
		}
	}
	return nil
}

func text(s string) Cell { return Cell{Text: s} }

func num(n int) Cell { return Cell{Text: fmt.Sprint(n), Num: true} }

func link(n int, set string, fl Filter) Cell {
	return Cell{Text: fmt.Sprint(n), Set: set, Filter: fl, Num: true}
}

func pct(v float64) string { return fmt.Sprintf("%.2f%%", 100*v) }

func secs(v float64) string { return fmt.Sprintf("%.1f 秒", v) }

func round2(v float64) float64 { return math.Round(v*100) / 100 }
