package stats

import (
	"fmt"
	"time"
)

// Kinds of figure.
const (
	kindCount = "count" // |num|
	kindRatio = "ratio" // |num| ÷ |den|
	kindMean  = "mean"  // Σ measure over num ÷ |num|
	kindMax   = "max"   // the largest measure over num
)

// Figure is one indicator, defined once: its name, its formula as printed,
// and how it is computed from sets.
type Figure struct {
	Key, Name, Formula string
	Kind               string
	Num, Den           string // set keys (Den for ratios)
	Measure            string // for means and maxima: what is added up
}

// measures are the durations a mean adds up, in seconds, by source.
var measures = map[string]func(f *Facts, i int) float64{
	"wait":    func(f *Facts, i int) float64 { return f.Calls[i].Wait.Seconds() },
	"talk":    func(f *Facts, i int) float64 { return f.Calls[i].Talk.Seconds() },
	"handle":  func(f *Facts, i int) float64 { return f.Calls[i].Handle().Seconds() },
	"delay":   func(f *Facts, i int) float64 { return f.Transfers[i].AnswerDelay().Seconds() },
	"ltalk":   func(f *Facts, i int) float64 { return f.Transfers[i].LiaisonTalkS },
	"abandon": func(f *Facts, i int) float64 { return f.Calls[i].Wait.Seconds() },
}

// figures are the indicators by key.
var figures = map[string]*Figure{}

func registerFigures() {
	for _, fg := range []*Figure{
		{Key: "calls", Name: "来电量", Formula: "来电量 = O + C + B（进入队列 + 非工作时间 + 系统拒绝）", Kind: kindCount, Num: "incoming"},
		{Key: "offered", Name: "进入队列 O", Formula: "O = 进入排队的来电", Kind: kindCount, Num: "O"},
		{Key: "closed", Name: "非工作时间来电 C", Formula: "C = 非工作时间（按工作日历）来电，转留言", Kind: kindCount, Num: "C"},
		{Key: "blocked", Name: "系统拒绝 B", Formula: "B = 系统拒绝的来电（线路忙、维护、呼叫格式错误）", Kind: kindCount, Num: "B"},
		{Key: "answered", Name: "接通 N", Formula: "N = 话务员接听的来电", Kind: kindCount, Num: "N"},
		{Key: "answer_rate", Name: "话务接通率", Formula: "话务接通率 = N ÷ (O − S)", Kind: kindRatio, Num: "N", Den: "OS"},
		{Key: "answer_rate15", Name: "15秒接通率", Formula: "15秒接通率 = N(等待 ≤ 15 秒) ÷ (O − S)（GB/T 33358：任一 24 小时 ≥ 95%）", Kind: kindRatio, Num: "N15", Den: "OS"},
		{Key: "abandon_rate", Name: "放弃率", Formula: "放弃率 = (A − S) ÷ (O − S)", Kind: kindRatio, Num: "AS", Den: "OS"},
		{Key: "short", Name: "短时放弃 S", Formula: "S = 等待不足 T_short 即挂机的放弃（不计入接通率与放弃率）", Kind: kindCount, Num: "S"},
		{Key: "abandoned", Name: "放弃 A", Formula: "A = 排队中来电人挂机（含短时放弃）", Kind: kindCount, Num: "A"},
		{Key: "timeout", Name: "超时转留言 TO", Formula: "TO = 排队超过最长等待时间转留言", Kind: kindCount, Num: "TO"},
		{Key: "mean_wait", Name: "平均等待", Formula: "平均等待 = Σ 等待 ÷ N", Kind: kindMean, Num: "N", Measure: "wait"},
		{Key: "mean_talk", Name: "平均通话", Formula: "平均通话 = Σ 通话（不含保持）÷ N", Kind: kindMean, Num: "N", Measure: "talk"},
		{Key: "max_talk", Name: "最长通话", Formula: "最长通话 = max 通话", Kind: kindMax, Num: "N", Measure: "talk"},
		{Key: "mean_handle", Name: "平均处理时长", Formula: "平均处理时长 = Σ(通话 + 保持 + 话后整理) ÷ N", Kind: kindMean, Num: "N", Measure: "handle"},
		{Key: "transfer_rate", Name: "转接率", Formula: "转接率 = X ÷ N", Kind: kindRatio, Num: "X", Den: "N"},
		{Key: "call_satisfaction", Name: "来电满意率", Formula: "来电满意率 = 评分 ≥ 满意阈值的来电 ÷ 参评来电", Kind: kindRatio, Num: "satisfied_calls", Den: "rated_calls"},
		{Key: "call_rated_rate", Name: "来电参评率", Formula: "来电参评率 = 参评来电 ÷ N", Kind: kindRatio, Num: "rated_calls", Den: "N"},

		{Key: "transfers", Name: "转接 X", Formula: "X = 转接部门的次数", Kind: kindCount, Num: "X"},
		{Key: "transfer_success", Name: "转接成功率", Formula: "转接成功率 = XA ÷ X", Kind: kindRatio, Num: "XA", Den: "X"},
		{Key: "responsiveness", Name: "部门服务电话响应性", Formula: "响应性 = 振铃时限内接通的转接 ÷ 部门办公时间内（工作日）的转接", Kind: kindRatio, Num: "XRR", Den: "XR"},
		{Key: "mean_liaison_answer", Name: "联络员平均应答", Formula: "联络员平均应答 = Σ(接通 − 发起转接) ÷ XA", Kind: kindMean, Num: "XA", Measure: "delay"},
		{Key: "mean_liaison_talk", Name: "联络员平均通话", Formula: "联络员平均通话 = Σ 联络员通话 ÷ XA", Kind: kindMean, Num: "XA", Measure: "ltalk"},

		{Key: "accepted", Name: "受理查询单", Formula: "受理查询单 = 本期受理的查询单", Kind: kindCount, Num: "accepted"},
		{Key: "on_time_rate", Name: "按时办结率", Formula: "按时办结率 = 时限内答复 ÷ 本期到期（延期件按延长后的时限）", Kind: kindRatio, Num: "on_time", Den: "due"},
		{Key: "overdue", Name: "超期", Formula: "超期 = 超期办结 + 到期未办结", Kind: kindCount, Num: "overdue"},
		{Key: "extended", Name: "延期件", Formula: "延期件 = 本期到期且经批准延期的时限", Kind: kindCount, Num: "ext_due"},
		{Key: "extended_on_time_rate", Name: "延期件按时办结率", Formula: "延期件按时办结率 = 延期件中时限内答复 ÷ 延期件", Kind: kindRatio, Num: "ext_on_time", Den: "ext_due"},
		{Key: "complaints", Name: "投诉", Formula: "投诉 = 本期收到的投诉", Kind: kindCount, Num: "complaints"},
		{Key: "complaints_overdue", Name: "投诉超期", Formula: "投诉超期 = 投诉中超过 15 个工作日（延期 30）未答复或逾期答复", Kind: kindCount, Num: "complaints_overdue"},
		{Key: "answers", Name: "答复", Formula: "答复 = 本期各部门的答复", Kind: kindCount, Num: "answers"},
		{Key: "satisfaction", Name: "答复满意率", Formula: "答复满意率 = 评分 ≥ 满意阈值的评价 ÷ 评价", Kind: kindRatio, Num: "satisfied", Den: "ratings"},
		{Key: "rated_rate", Name: "参评率", Formula: "参评率 = 已评价的答复 ÷ 答复", Kind: kindRatio, Num: "answers_rated", Den: "answers"},
		{Key: "followup_rate", Name: "回访率", Formula: "回访率 = 答复后回访接通的答复 ÷ 答复（回访记录：callbacks，kind = followup）", Kind: kindRatio, Num: "answers_followed", Den: "answers"},
		{Key: "redo_rate", Name: "重办率", Formula: "重办率 = 被投诉而重新办理的答复 ÷ 答复", Kind: kindRatio, Num: "answers_complained", Den: "answers"},
	} {
		figures[fg.Key] = fg
	}
}

// FigureByKey returns the figure of a key, or nil.
func FigureByKey(key string) *Figure { return figures[key] }

// eval computes a figure over the facts under a filter.
func (f *Facts) eval(fg *Figure, fl Filter) Value {
	var den []int
	if fg.Kind == kindRatio {
		den = f.members(sets[fg.Den], fl)
	}
	return f.evalIdx(fg, f.members(sets[fg.Num], fl), den)
}

// evalIdx computes a figure from the members of its sets.
func (f *Facts) evalIdx(fg *Figure, num, denIdx []int) Value {
	switch fg.Kind {
	case kindCount:
		n := float64(len(num))
		return Value{Num: n, Value: n, Text: fmt.Sprint(len(num))}
	case kindRatio:
		den := len(denIdx)
		v := Value{Num: float64(len(num)), Den: float64(den)}
		if den == 0 {
			v.NA, v.Text = true, "—"
			return v
		}
		v.Value = v.Num / v.Den
		v.Text = pct(v.Value)
		return v
	case kindMean, kindMax:
		m := measures[fg.Measure]
		sum, max := 0.0, 0.0
		for _, i := range num {
			x := m(f, i)
			sum += x
			if x > max {
				max = x
			}
		}
		v := Value{Num: sum, Den: float64(len(num))}
		if len(num) == 0 {
			v.NA, v.Text = true, "—"
			return v
		}
		if fg.Kind == kindMax {
			v.Num, v.Value = max, max
		} else {
			v.Value = sum / v.Den
		}
		v.Text = secs(v.Value)
		return v
	}
	return Value{NA: true, Text: "—"}
}

// figureRow is the row of the figures table: name, value (linked to the
// records counted), numerator, denominator (each linked), formula.
func (f *Facts) figureRow(fg *Figure, fl Filter) (Row, Value) {
	v := f.eval(fg, fl)
	numSet := sets[fg.Num]
	r := Row{Figure: fg.Key}
	valCell := Cell{Text: v.Text, Set: fg.Num, Filter: fl, Num: true}
	numCell, denCell := link(int(v.Num), fg.Num, fl), text("")
	switch fg.Kind {
	case kindRatio:
		numCell.Text = fmt.Sprintf("%s %d", numSet.Name, int(v.Num))
		denCell = Cell{Text: fmt.Sprintf("%s %d", sets[fg.Den].Name, int(v.Den)), Set: fg.Den, Filter: fl, Num: true}
	case kindMean:
		numCell = text(fmt.Sprintf("Σ %.1f 秒", v.Num))
		numCell.Num = true
		denCell = Cell{Text: fmt.Sprintf("%s %d", numSet.Name, int(v.Den)), Set: fg.Num, Filter: fl, Num: true}
	case kindMax:
		numCell = text("")
		denCell = Cell{Text: fmt.Sprintf("%s %d", numSet.Name, int(v.Den)), Set: fg.Num, Filter: fl, Num: true}
	default:
		numCell.Text = fmt.Sprintf("%s %d", numSet.Name, int(v.Num))
	}
	r.Cells = []Cell{text(fg.Name), valCell, numCell, denCell, text(fg.Formula)}
	return r, v
}

// seconds is d in whole and tenth seconds, for the lists.
func seconds(d time.Duration) string {
	if d <= 0 {
		return "0"
	}
	return fmt.Sprintf("%.1f", d.Seconds())
}
