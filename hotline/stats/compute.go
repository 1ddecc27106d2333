package stats

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/govhall/govhall/hotline/calendar"
)

// Dimensions a report may be broken down by, with their names.
var Dimensions = []struct{ Key, Label string }{
	{"", "不分组"}, {DimOperator, "按话务员"}, {DimDepartment, "按部门"}, {DimLiaison, "按联络员"},
	{DimChannel, "按渠道"}, {DimCategory, "按类别"},
}

// ChannelLabel names a query's channel.
func ChannelLabel(c string) string {
	switch c {
	case "phone":
		return "电话"
	case "voicemail":
		return "电话留言"
	case "kiosk":
		return "自助终端"
	case "web":
		return "网站"
	case "window":
		return "窗口"
	case "post":
		return "信函"
	}
	return c
}

// KindLabel names a query's kind.
func KindLabel(k string) string {
	switch k {
	case "ordinary":
		return "一般查询（5个工作日）"
	case "complex":
		return "复杂查询（10个工作日）"
	case "application":
		return "依申请公开（20个工作日）"
	}
	return k
}

// Compute builds the report of a period for the whole line (dep "") or one
// department (its code), with the breakdowns dims (Dimensions' keys).
func (s *Store) Compute(ctx context.Context, p Period, dep string, dims ...string) (*Report, error) {
	st, err := s.Settings(ctx)
	if err != nil {
		return nil, err
	}
	return s.ComputeWith(ctx, p, dep, st, dims...)
}

// ComputeWith is Compute with the given settings.
func (s *Store) ComputeWith(ctx context.Context, p Period, dep string, st Settings, dims ...string) (*Report, error) {
	f, err := s.load(ctx, p, dep, st)
	if err != nil {
		return nil, err
	}
	return f.report(dims), nil
}

// report lays out the tables.
func (f *Facts) report(dims []string) *Report {
	r := &Report{Period: f.Period, PeriodLabel: f.Period.Label(), Department: f.Department, Settings: f.Settings,
		GeneratedAt: f.Now, Figures: map[string]Value{}, facts: f}
	r.Title = "96128 政务公开热线统计报表"
	if d := f.dept(f.Department); d != nil {
		r.DepartmentName = d.Name
		r.Title = d.Name + " 热线与查询单统计报表"
	}
	if len(dims) > 0 {
		r.Dimension = dims[0]
	}
	f.calendarNotes(r)
	line := f.Department == ""
	fl := Filter{}
	figTable := func(id, title, note string, keys ...string) {
		t := Table{ID: id, Title: title, Note: note, Head: []string{"指标", "数值", "分子 / 计数", "分母", "公式"}}
		for _, k := range keys {
			row, v := f.figureRow(figures[k], fl)
			r.Figures[k] = v
			t.Rows = append(t.Rows, row)
		}
		r.Tables = append(r.Tables, t)
	}
	if line {
		figTable("hotline", "话务", fmt.Sprintf("T_short = %d 秒；接通时限 %d 秒；最长排队 %d 秒。来电按开始时间计入所在日期（跨零点的来电计入开始的一天）。",
			int(f.Settings.ShortAbandon.Seconds()), int(f.Settings.AnswerTarget.Seconds()), int(f.Settings.MaxWait.Seconds())),
			"calls", "offered", "closed", "blocked", "answered", "answer_rate", "answer_rate15", "abandon_rate", "short", "abandoned",
			"timeout", "mean_wait", "mean_talk", "max_talk", "mean_handle", "transfer_rate", "call_satisfaction", "call_rated_rate")
		f.daysUnder(r)
		f.reconcile(r)
	}
	figTable("transfers", "转接质量", fmt.Sprintf("部门服务电话响应性只计部门办公时间内（法定工作日）的转接；办公时间外的转接、部门未开放和振铃 %d 秒内来电人或话务员放弃的转接不计入。",
		int(f.Settings.LiaisonRing.Seconds())),
		"transfers", "transfer_success", "x_done", "x_returned", "x_refused", "x_timeout", "x_hungup", "x_closed", "x_noliaison", "x_failed",
		"x_pending", "responsiveness", "x_outside", "mean_liaison_answer", "mean_liaison_talk")
	figTable("queries", "查询单", "按时办结率以本期到期的时限为基数：到期日按该时限登记时的工作日历计算；延期件按延长后的时限计，另列延期件按时办结率。未到期、中止（补正）和转办的时限不计入。",
		"accepted", "on_time_rate", "overdue", "extended", "extended_on_time_rate", "not_due", "stopped", "passed_on",
		"complaints", "complaints_overdue", "answers", "satisfaction", "rated_rate", "redo_rate", "followup_rate")
	f.scores(r, line)
	if line {
		f.daily(r)
	}
	f.weekly(r, line)
	if line {
		f.hourly(r)
		f.league(r)
	}
	for _, d := range dims {
		f.dimension(r, d)
	}
	f.topics(r)
	if len(f.DefaultHrs) > 0 {
		names := uniq(f.DefaultHrs)
		r.Notes = append(r.Notes, "以下部门的办公时间无法识别，按热线工作时间计算响应性："+strings.Join(names, "、"))
	}
	return r
}

func uniq(ss []string) []string {
	sort.Strings(ss)
	var out []string
	for i, s := range ss {
		if i == 0 || s != ss[i-1] {
			out = append(out, s)
		}
	}
	return out
}

func registerCountFigures() {
	for _, k := range []string{"x_done", "x_returned", "x_refused", "x_timeout", "x_hungup", "x_closed", "x_noliaison", "x_failed",
		"x_pending", "x_outside", "not_due", "stopped", "passed_on"} {
		figures[k] = &Figure{Key: k, Name: sets[k].Name, Formula: "计数", Kind: kindCount, Num: k}
	}
}

// calendarNotes says which calendar version the working-day figures use.
func (f *Facts) calendarNotes(r *Report) {
	var vs []string
	for y := f.Period.First.Year(); y <= f.Period.Last.Year(); y++ {
		n, ok := f.Cal.Notice(y)
		if !ok {
			vs = append(vs, fmt.Sprintf("%d.0", y))
			r.CalendarNotes = append(r.CalendarNotes, fmt.Sprintf("%d年：尚无国务院节假日安排通知，暂按周一至周五为工作日（临时）", y))
			continue
		}
		vs = append(vs, fmt.Sprintf("%d.%d", y, n.Version))
		doc := ""
		if n.DocNumber != "" {
			doc = "（" + n.DocNumber + "）"
		}
		r.CalendarNotes = append(r.CalendarNotes, fmt.Sprintf("%d年：%s%s，第%d版", y, n.Title, doc, n.Version))
	}
	r.CalendarVersion = strings.Join(vs, ",")
	seen := map[string]bool{}
	for _, k := range f.Clocks {
		if k.CalVersion != "" && !seen[k.CalVersion] {
			seen[k.CalVersion] = true
			r.ClockVersions = append(r.ClockVersions, k.CalVersion)
		}
	}
	sort.Strings(r.ClockVersions)
}

// DayKind names what the calendar makes of a date.
func DayKind(cal *calendar.Calendar, d calendar.Date) string {
	if e, ok := cal.Exception(d); ok {
		switch e.Kind {
		case calendar.Holiday:
			return "法定节假日（" + e.Name + "）"
		case calendar.RestSwap:
			return "调休休息（" + e.Name + "）"
		case calendar.WorkSwap:
			return "调休上班（" + e.Name + "）"
		}
	}
	if d.IsWeekend() {
		return "休息日"
	}
	return "工作日"
}

// daily is the 15-second rate of every day, flagging the days under target.
func (f *Facts) daily(r *Report) {
	t := Table{ID: "daily", Title: "每日接通（GB/T 33358）",
		Note: fmt.Sprintf("每个自然日（0:00–24:00）的15秒接通率应不低于 %.0f%%，未达标的日期标出。", 100*f.Settings.DailyTarget),
		Head: []string{"日期", "日历", "来电量", "进入队列 O", "短时放弃 S", "接通 N", "15秒内接通", "15秒接通率", "是否达标"}}
	inc, o, s, n, n15, os := f.groups(sets["incoming"], Filter{}, DimDay), f.groups(sets["O"], Filter{}, DimDay),
		f.groups(sets["S"], Filter{}, DimDay), f.groups(sets["N"], Filter{}, DimDay), f.groups(sets["N15"], Filter{}, DimDay),
		f.groups(sets["OS"], Filter{}, DimDay)
	for d := f.Period.First; !d.After(f.Period.Last); d = d.AddDays(1) {
		k := d.String()
		fl := Filter{Day: k}
		row := Row{Cells: []Cell{text(k), text(DayKind(f.Cal, d)), link(len(inc[k]), "incoming", fl), link(len(o[k]), "O", fl),
			link(len(s[k]), "S", fl), link(len(n[k]), "N", fl), link(len(n15[k]), "N15", fl)}}
		if len(os[k]) == 0 {
			row.Cells = append(row.Cells, text("—"), text("无来电"))
		} else {
			v := float64(len(n15[k])) / float64(len(os[k]))
			c := Cell{Text: pct(v), Num: true}
			if v < f.Settings.DailyTarget {
				row.Flag = "未达标"
				row.Cells = append(row.Cells, c, text("未达标"))
			} else {
				row.Cells = append(row.Cells, c, text("达标"))
			}
		}
		t.Rows = append(t.Rows, row)
	}
	r.Tables = append(r.Tables, t)
}

// daysUnder adds the count of days under the 15-second target to the
// hotline table.
func (f *Facts) daysUnder(r *Report) {
	n15, os := f.groups(sets["N15"], Filter{}, DimDay), f.groups(sets["OS"], Filter{}, DimDay)
	var under []string
	for d := f.Period.First; !d.After(f.Period.Last); d = d.AddDays(1) {
		k := d.String()
		if len(os[k]) > 0 && float64(len(n15[k]))/float64(len(os[k])) < f.Settings.DailyTarget {
			under = append(under, k)
		}
	}
	t := r.Table("hotline")
	v := fmt.Sprintf("%d 天", len(under))
	if len(under) > 0 {
		v += "（" + strings.Join(under, "、") + "）"
	}
	r.Figures["days_under_target"] = Value{Num: float64(len(under)), Value: float64(len(under)), Text: v}
	t.Rows = append(t.Rows, Row{Figure: "days_under_target", Flag: map[bool]string{true: "未达标"}[len(under) > 0],
		Cells: []Cell{text("15秒接通率未达标天数"), {Text: v, Num: true}, text(""), text(""),
			text(fmt.Sprintf("当日15秒接通率 < %.0f%% 的天数，见每日接通表", 100*f.Settings.DailyTarget))}})
}

// reconcile checks that every offered call left the queue one way.
func (f *Facts) reconcile(r *Report) {
	c := func(k string) int { return f.Count(k, Filter{}) }
	o, n, a, s, to, ox := c("O"), c("N"), c("A"), c("S"), c("TO"), c("OX")
	all, inc, g := c("all_calls"), c("incoming"), c("G")
	t := Table{ID: "reconcile", Title: "核对", Note: "进入队列的来电 = 接通 + 放弃（含短时放弃）+ 超时转留言 + 其他结束；全部来电记录 = 来电量 + 问候语中挂机。",
		Head: []string{"等式", "左边", "右边", "明细", "结果"}}
	ok := func(b bool) string {
		if b {
			return "相符"
		}
		return "不符"
	}
	row1 := Row{Figure: "reconcile_offered", Cells: []Cell{text("O = N + A + TO + 其他"), link(o, "O", Filter{}),
		{Text: fmt.Sprint(n + a + to + ox), Num: true},
		text(fmt.Sprintf("N %d + A %d（其中 S %d）+ TO %d + 其他 %d", n, a, s, to, ox)), text(ok(o == n+a+to+ox))}}
	row2 := Row{Figure: "reconcile_all", Cells: []Cell{text("全部 = 来电量 + 问候语中挂机"), link(all, "all_calls", Filter{}),
		{Text: fmt.Sprint(inc + g), Num: true}, text(fmt.Sprintf("来电量 %d + 问候语中挂机 %d", inc, g)), text(ok(all == inc+g))}}
	if o != n+a+to+ox {
		row1.Flag = "不符"
	}
	if all != inc+g {
		row2.Flag = "不符"
	}
	t.Rows = append(t.Rows, row1, row2)
	r.Figures["reconcile_ok"] = Value{Value: map[bool]float64{true: 1}[o == n+a+to+ox && all == inc+g], Text: ok(o == n+a+to+ox && all == inc+g)}
	r.Tables = append(r.Tables, t)
}

// scores is the histogram of ratings with the meaning of each score.
func (f *Facts) scores(r *Report, line bool) {
	t := Table{ID: "scores", Title: "满意度评分分布",
		Note: fmt.Sprintf("评分 1–5：5 非常满意、4 满意、3 基本满意、2 不满意、1 非常不满意；评分 ≥ %d 计为满意。", f.Settings.SatisfiedMin),
		Head: []string{"评分", "含义", "计为", "来电评价", "答复评价"}}
	if !line {
		t.Head = []string{"评分", "含义", "计为", "答复评价"}
	}
	for n := 5; n >= 1; n-- {
		as := "不满意"
		if n >= f.Settings.SatisfiedMin {
			as = "满意"
		}
		row := Row{Cells: []Cell{num(n), text(ScoreLabel(n)), text(as)}}
		if line {
			k := fmt.Sprintf("call_score%d", n)
			row.Cells = append(row.Cells, link(len(f.members(sets[k], Filter{})), k, Filter{}))
		}
		k := fmt.Sprintf("score%d", n)
		row.Cells = append(row.Cells, link(len(f.members(sets[k], Filter{})), k, Filter{}))
		t.Rows = append(t.Rows, row)
	}
	r.Tables = append(r.Tables, t)
}

// weekly is the trend by ISO week (the weeks clipped to the period).
func (f *Facts) weekly(r *Report, line bool) {
	t := Table{ID: "weekly", Title: "周趋势", Note: "按 ISO 周（周一至周日），首尾两周只计本期内的日期。"}
	var weeks []string
	firstDay := map[string]string{}
	for d := f.Period.First; !d.After(f.Period.Last); d = d.AddDays(1) {
		w := week(d.At(0))
		if _, ok := firstDay[w]; !ok {
			firstDay[w] = d.String()
			weeks = append(weeks, w)
		}
	}
	type col struct {
		name string
		fig  string
	}
	cols := []col{{"转接 X", "transfers"}, {"部门服务电话响应性", "responsiveness"}, {"本期到期", ""}, {"按时办结率", "on_time_rate"}}
	if line {
		cols = append([]col{{"来电量", "calls"}, {"话务接通率", "answer_rate"}, {"15秒接通率", "answer_rate15"}, {"放弃率", "abandon_rate"}}, cols...)
	}
	t.Head = []string{"周", "起始日"}
	for _, c := range cols {
		t.Head = append(t.Head, c.name)
	}
	// Group once per set, then evaluate each week from its groups.
	grouped := map[string]map[string][]int{}
	g := func(set string) map[string][]int {
		if m, ok := grouped[set]; ok {
			return m
		}
		grouped[set] = f.groups(sets[set], Filter{}, DimWeek)
		return grouped[set]
	}
	for _, w := range weeks {
		row := Row{Cells: []Cell{text(w), text(firstDay[w])}}
		for _, c := range cols {
			if c.fig == "" {
				row.Cells = append(row.Cells, num(len(g("due")[w])))
				continue
			}
			fg := figures[c.fig]
			n := len(g(fg.Num)[w])
			switch fg.Kind {
			case kindCount:
				row.Cells = append(row.Cells, num(n))
				if c.fig == "calls" {
					r.Charts.WeekCalls = append(r.Charts.WeekCalls, n)
				}
			case kindRatio:
				d := len(g(fg.Den)[w])
				if d == 0 {
					row.Cells = append(row.Cells, text("—"))
				} else {
					row.Cells = append(row.Cells, Cell{Text: pct(float64(n) / float64(d)), Num: true})
				}
				v := 0.0
				if d > 0 {
					v = round2(100 * float64(n) / float64(d))
				}
				switch c.fig {
				case "answer_rate":
					r.Charts.WeekRate = append(r.Charts.WeekRate, v)
				case "answer_rate15":
					r.Charts.WeekRate15 = append(r.Charts.WeekRate15, v)
				}
			}
		}
		t.Rows = append(t.Rows, row)
	}
	r.Charts.Weeks = weeks
	r.Tables = append(r.Tables, t)
}

// hourly sets calls offered per hour of the day against the operators
// staffed, both as means per day of the period.
func (f *Facts) hourly(r *Report) {
	t := Table{ID: "hourly", Title: "分时来电与在岗话务员", Note: "日均值：进入队列的来电按开始时刻所在小时；在岗 = 示闲、通话或话后整理的话务员人数（按时长折算）。",
		Head: []string{"时段", "进入队列（合计）", "日均进入队列", "日均在岗话务员"}}
	days := float64(f.Period.Days())
	o := f.groups(sets["O"], Filter{}, DimHour)
	for h := 0; h < 24; h++ {
		k := fmt.Sprintf("%02d", h)
		per := round2(float64(len(o[k])) / days)
		staffed := round2(f.Staffed[h] / 3600 / days)
		t.Rows = append(t.Rows, Row{Cells: []Cell{text(fmt.Sprintf("%02d:00–%02d:00", h, h+1)), num(len(o[k])),
			{Text: fmt.Sprintf("%.2f", per), Num: true}, {Text: fmt.Sprintf("%.2f", staffed), Num: true}}})
		r.Charts.Hours = append(r.Charts.Hours, k)
		r.Charts.Offered = append(r.Charts.Offered, per)
		r.Charts.Staffed = append(r.Charts.Staffed, staffed)
	}
	r.Tables = append(r.Tables, t)
}

// league ranks the departments by responsiveness, then on-time rate.
func (f *Facts) league(r *Report) {
	type entry struct {
		code, name        string
		xr, xrr, due, ont int
		delay             Value
	}
	var es []entry
	gs := f.grouper(DimDepartment)
	delay := figures["mean_liaison_answer"]
	for _, d := range f.Depts {
		v := d.Code
		e := entry{code: d.Code, name: d.Name, xr: len(gs("XR")[v]), xrr: len(gs("XRR")[v]), due: len(gs("due")[v]), ont: len(gs("on_time")[v]),
			delay: f.evalIdx(delay, gs(delay.Num)[v], nil)}
		if e.xr == 0 && e.due == 0 && len(gs("X")[v]) == 0 {
			continue
		}
		es = append(es, e)
	}
	rate := func(n, d int) float64 {
		if d == 0 {
			return -1
		}
		return float64(n) / float64(d)
	}
	sort.SliceStable(es, func(i, j int) bool {
		a, b := rate(es[i].xrr, es[i].xr), rate(es[j].xrr, es[j].xr)
		if a != b {
			return a > b
		}
		if a, b := rate(es[i].ont, es[i].due), rate(es[j].ont, es[j].due); a != b {
			return a > b
		}
		return es[i].code < es[j].code
	})
	t := Table{ID: "league", Title: "部门服务电话响应性排名", Note: "按响应性从高到低，相同时按按时办结率；无计入转接的部门排在后面。",
		Head: []string{"名次", "部门", "计入转接", "时限内接通", "响应性", "联络员平均应答", "本期到期", "按时办结", "按时办结率"}}
	for i, e := range es {
		fl := Filter{Department: e.code}
		rs, os := "—", "—"
		if e.xr > 0 {
			rs = pct(rate(e.xrr, e.xr))
			r.Charts.League = append(r.Charts.League, e.name)
			r.Charts.LeagueRate = append(r.Charts.LeagueRate, round2(100*rate(e.xrr, e.xr)))
		}
		if e.due > 0 {
			os = pct(rate(e.ont, e.due))
		}
		t.Rows = append(t.Rows, Row{Cells: []Cell{num(i + 1), text(e.name), link(e.xr, "XR", fl), link(e.xrr, "XRR", fl),
			{Text: rs, Num: true}, {Text: e.delay.Text, Num: true}, link(e.due, "due", fl), link(e.ont, "on_time", fl), {Text: os, Num: true}}})
	}
	r.Tables = append(r.Tables, t)
}

// dimension breaks the figures that apply down by one dimension.
func (f *Facts) dimension(r *Report, dim string) {
	var title string
	var figs []string
	var values []string
	var label func(string) string
	collect := func(src string, set string) {
		for v := range f.groups(sets[set], Filter{}, dim) {
			values = append(values, v)
		}
	}
	switch dim {
	case DimOperator:
		if f.Department != "" {
			return
		}
		title = "按话务员"
		figs = []string{"answered", "mean_talk", "max_talk", "mean_handle", "transfers", "transfer_success", "call_rated_rate", "call_satisfaction"}
		collect(SrcCalls, "N")
		collect(SrcTransfers, "X")
		label = f.name
	case DimDepartment:
		title = "按部门"
		figs = []string{"transfers", "transfer_success", "responsiveness", "mean_liaison_answer", "accepted", "on_time_rate", "overdue",
			"extended", "complaints", "satisfaction", "rated_rate"}
		for _, d := range f.Depts {
			if f.Department == "" || d.Code == f.Department {
				values = append(values, d.Code)
			}
		}
		label = func(v string) string {
			if d := f.dept(v); d != nil {
				return d.Name
			}
			return v
		}
	case DimLiaison:
		title = "按联络员"
		figs = []string{"transfers", "mean_liaison_answer", "mean_liaison_talk", "on_time_rate", "answers", "satisfaction", "rated_rate"}
		collect(SrcTransfers, "XA")
		collect(SrcAnswers, "answers")
		label = f.name
	case DimChannel:
		title = "按渠道"
		figs = []string{"accepted", "on_time_rate", "overdue", "answers", "satisfaction", "rated_rate", "complaints"}
		collect(SrcQueries, "accepted")
		collect(SrcClocks, "due")
		collect(SrcAnswers, "answers")
		label = ChannelLabel
	case DimCategory:
		title = "按类别（查询单类别）"
		figs = []string{"accepted", "on_time_rate", "overdue", "extended", "answers", "satisfaction"}
		collect(SrcQueries, "accepted")
		collect(SrcClocks, "due")
		label = KindLabel
		if f.Department == "" {
			f.wrapCodes(r)
		}
	default:
		return
	}
	values = uniq(values)
	gs := f.grouper(dim)
	t := Table{ID: "dim-" + dim, Title: title, Head: []string{strings.TrimPrefix(title, "按")}}
	if dim == DimCategory {
		t.Head[0] = "类别"
	}
	for _, k := range figs {
		t.Head = append(t.Head, figures[k].Name)
	}
	for _, v := range values {
		if v == "" {
			continue
		}
		fl := Filter{}.With(dim, v)
		row := Row{Cells: []Cell{text(label(v))}}
		for _, k := range figs {
			fg := figures[k]
			val := f.evalIdx(fg, gs(fg.Num)[v], gs(fg.Den)[v])
			row.Cells = append(row.Cells, Cell{Text: val.Text, Set: fg.Num, Filter: fl, Num: true})
		}
		t.Rows = append(t.Rows, row)
	}
	r.Tables = append(r.Tables, t)
}

// grouper returns the groups of a set by dim, computed once per set:
// grouper(dim)(set)[v] are the members of set under Filter{}.With(dim, v).
func (f *Facts) grouper(dim string) func(set string) map[string][]int {
	done := map[string]map[string][]int{}
	return func(set string) map[string][]int {
		if set == "" {
			return nil
		}
		if g, ok := done[set]; ok {
			return g
		}
		done[set] = f.groups(sets[set], Filter{}, dim)
		return done[set]
	}
}

// wrapCodes counts the answered calls by their wrap-up code (小结).
func (f *Facts) wrapCodes(r *Report) {
	t := Table{ID: "dim-wrapup", Title: "按来电小结", Head: []string{"小结", "接通 N", "平均通话", "平均处理时长"}}
	g := f.groups(sets["N"], Filter{}, DimCategory)
	var codes []string
	for c := range g {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		fl := Filter{Category: c}
		name := f.WrapLabels[c]
		if c == "" {
			name = "（未填小结）"
			// An empty category is no filter: such calls are listed with the others.
			t.Rows = append(t.Rows, Row{Cells: []Cell{text(name), num(len(g[c])), text(""), text("")}})
			continue
		}
		if name == "" {
			name = c
		}
		t.Rows = append(t.Rows, Row{Cells: []Cell{text(name), link(len(g[c]), "N", fl),
			{Text: f.evalIdx(figures["mean_talk"], g[c], nil).Text, Num: true}, {Text: f.evalIdx(figures["mean_handle"], g[c], nil).Text, Num: true}}})
	}
	r.Tables = append(r.Tables, t)
}

func (f *Facts) name(user string) string {
	if n := f.Names[user]; n != "" {
		return n + "（" + user + "）"
	}
	return user
}

// topics are the ten questions asked most often in the period.
func (f *Facts) topics(r *Report) {
	g := f.groups(sets["accepted"], Filter{}, DimTopic)
	type tc struct {
		topic string
		n     int
	}
	var ts []tc
	for k, v := range g {
		if k != "" {
			ts = append(ts, tc{k, len(v)})
		}
	}
	sort.Slice(ts, func(i, j int) bool {
		if ts[i].n != ts[j].n {
			return ts[i].n > ts[j].n
		}
		return ts[i].topic < ts[j].topic
	})
	if len(ts) > 10 {
		ts = ts[:10]
	}
	t := Table{ID: "topics", Title: "热点问题", Note: "本期受理的查询单按问题归并（去掉空格和标点，取前 24 个字），出现最多的 10 个。",
		Head: []string{"名次", "问题", "查询单"}}
	for i, x := range ts {
		t.Rows = append(t.Rows, Row{Cells: []Cell{num(i + 1), text(x.topic), link(x.n, "accepted", Filter{Topic: x.topic})}})
	}
	r.Tables = append(r.Tables, t)
}
