package annual

import (
	"fmt"
	"strings"
)

// Check is one consistency rule of the format applied to a report.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// Verify applies the format's rules to a report's tables, per column of
// table 三: 一 + 二 = （七）总计 + 四 (the 勾稽关系), （七） = the sum of the
// result rows; per row: 总计 = the sum of the six applicant columns; per
// group of table 四: 总计 = the four before it. It works on the numbers
// alone, so a table changed after Compute is checked as it is.
func Verify(r *Report) []Check {
	t := &r.Requests
	var cs []Check
	need := []string{RowNew, RowCarriedIn, RowTotal, RowCarriedOut}
	for _, code := range need {
		if t.Row(code) == nil {
			return []Check{{Name: "表三结构", Detail: "表三缺少第" + code + "行"}}
		}
	}
	for col, label := range t.Columns {
		in := t.Row(RowNew).Counts[col] + t.Row(RowCarriedIn).Counts[col]
		out := t.Row(RowTotal).Counts[col] + t.Row(RowCarriedOut).Counts[col]
		cs = append(cs, Check{Name: "表三勾稽关系（" + label + "）", OK: in == out,
			Detail: fmt.Sprintf("一 %d + 二 %d = %d；（七）总计 %d + 四 %d = %d", t.Row(RowNew).Counts[col],
				t.Row(RowCarriedIn).Counts[col], in, t.Row(RowTotal).Counts[col], t.Row(RowCarriedOut).Counts[col], out)})
	}
	for col, label := range t.Columns {
		sum := 0
		for _, row := range t.Rows {
			if row.Result && row.Code != RowTotal {
				sum += row.Counts[col]
			}
		}
		total := t.Row(RowTotal).Counts[col]
		cs = append(cs, Check{Name: "表三（七）总计（" + label + "）", OK: sum == total,
			Detail: fmt.Sprintf("（一）至（六）各项之和 %d，（七）总计 %d", sum, total)})
	}
	cs = append(cs, rowTotals(t))
	return append(cs, appealTotals(&r.Appeals))
}

// rowTotals checks that every row's 总计 is the sum of its six columns.
func rowTotals(t *Table3) Check {
	var bad []string
	for _, row := range t.Rows {
		sum := 0
		for col := 0; col < TotalCol3; col++ {
			sum += row.Counts[col]
		}
		if sum != row.Counts[TotalCol3] {
			bad = append(bad, fmt.Sprintf("%s：六列之和 %d，总计 %d", row.Label, sum, row.Counts[TotalCol3]))
		}
	}
	c := Check{Name: "表三总计列", OK: len(bad) == 0, Detail: "每行总计等于自然人与五类法人或其他组织之和"}
	if len(bad) > 0 {
		c.Detail = strings.Join(bad, "；")
	}
	return c
}

// appealTotals checks table 四's three 总计.
func appealTotals(t *Table4) Check {
	var bad []string
	for _, g := range t.Groups {
		sum := 0
		for i := 0; i < TotalCol4; i++ {
			sum += g.Counts[i]
		}
		if sum != g.Counts[TotalCol4] {
			bad = append(bad, fmt.Sprintf("%s：四项之和 %d，总计 %d", g.Label, sum, g.Counts[TotalCol4]))
		}
	}
	c := Check{Name: "表四总计", OK: len(bad) == 0, Detail: "行政复议、未经复议直接起诉、复议后起诉的总计各等于其前四项之和"}
	if len(bad) > 0 {
		c.Detail = strings.Join(bad, "；")
	}
	return c
}

// Passed reports whether every check of the report holds.
func (r *Report) Passed() bool {
	for _, c := range r.Checks {
		if !c.OK {
			return false
		}
	}
	return len(r.Checks) > 0
}

// Failed returns the checks that do not hold.
func (r *Report) Failed() []Check {
	var bad []Check
	for _, c := range r.Checks {
		if !c.OK {
			bad = append(bad, c)
		}
	}
	return bad
}

// ChecksError is ErrChecksFailed with the failing checks, in words.
type ChecksError struct {
	Failed []Check
}

func (e *ChecksError) Error() string {
	var parts []string
	for _, c := range e.Failed {
		parts = append(parts, c.Name+"不成立（"+c.Detail+"）")
	}
	return "报告未通过校验，不能发布：" + strings.Join(parts, "；")
}

// Unwrap makes errors.Is(err, ErrChecksFailed) true.
func (e *ChecksError) Unwrap() error { return ErrChecksFailed }
