package stats

import (
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/govhall/govhall/hotline/calendar"
)

// Sources of records a set is drawn from.
const (
	SrcCalls      = "calls"
	SrcTransfers  = "transfers"
	SrcClocks     = "clocks"
	SrcQueries    = "queries"
	SrcAnswers    = "answers"
	SrcRatings    = "ratings"
	SrcComplaints = "complaints"
)

// Filter narrows a set to one value of a dimension (and, for the daily
// table, one day); the zero Filter keeps everything.
type Filter struct {
	Operator   string // username of the operator who answered, or requested the transfer
	Department string // code of the department transferred to or answering
	Liaison    string // username of the liaison who answered the transfer or the query
	Channel    string // a query's channel
	Category   string // a call's wrap-up code, a query's kind
	Topic      string // a question as grouped (Topic)
	Day        string // YYYY-MM-DD
	Score      int    // a rating
}

// Values returns the filter as URL parameters (f_operator=…).
func (fl Filter) Values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set("f_"+k, s)
		}
	}
	set("operator", fl.Operator)
	set("department", fl.Department)
	set("liaison", fl.Liaison)
	set("channel", fl.Channel)
	set("category", fl.Category)
	set("topic", fl.Topic)
	set("day", fl.Day)
	if fl.Score != 0 {
		v.Set("f_score", strconv.Itoa(fl.Score))
	}
	return v
}

// ParseFilter reads the f_… parameters.
func ParseFilter(get func(string) string) Filter {
	n, _ := strconv.Atoi(get("f_score"))
	return Filter{Operator: get("f_operator"), Department: get("f_department"), Liaison: get("f_liaison"), Channel: get("f_channel"),
		Category: get("f_category"), Topic: get("f_topic"), Day: get("f_day"), Score: n}
}

func day(t time.Time) string { return calendar.DateOf(t).String() }

// Dimensions a record may be grouped and filtered by.
const (
	DimOperator   = "operator"
	DimDepartment = "department"
	DimLiaison    = "liaison"
	DimChannel    = "channel"
	DimCategory   = "category"
	DimTopic      = "topic"
	DimDay        = "day"
	DimWeek       = "week"
	DimHour       = "hour"
	DimScore      = "score"
)

// pairs returns the filter's dimensions and values that are set.
func (fl Filter) pairs() [][2]string {
	var ps [][2]string
	for _, p := range [][2]string{{DimOperator, fl.Operator}, {DimDepartment, fl.Department}, {DimLiaison, fl.Liaison},
		{DimChannel, fl.Channel}, {DimCategory, fl.Category}, {DimTopic, fl.Topic}, {DimDay, fl.Day}} {
		if p[1] != "" {
			ps = append(ps, p)
		}
	}
	if fl.Score != 0 {
		ps = append(ps, [2]string{DimScore, strconv.Itoa(fl.Score)})
	}
	return ps
}

// With returns the filter with one more dimension set.
func (fl Filter) With(dim, v string) Filter {
	switch dim {
	case DimOperator:
		fl.Operator = v
	case DimDepartment:
		fl.Department = v
	case DimLiaison:
		fl.Liaison = v
	case DimChannel:
		fl.Channel = v
	case DimCategory:
		fl.Category = v
	case DimTopic:
		fl.Topic = v
	case DimDay:
		fl.Day = v
	case DimScore:
		fl.Score, _ = strconv.Atoi(v)
	}
	return fl
}

func week(t time.Time) string {
	y, w := t.In(calendar.Location()).ISOWeek()
	return fmt.Sprintf("%d-W%02d", y, w)
}

func hour(t time.Time) string { return fmt.Sprintf("%02d", t.In(calendar.Location()).Hour()) }

// at returns the value of dimension dim of record i of src, and false when
// such records have no such dimension: the one place that says which
// field a dimension reads.
func (f *Facts) at(src string, i int, dim string) (string, bool) {
	score := -1
	var op, dep, liaison, channel, category, topic *string
	switch src {
	case SrcCalls:
		c := &f.Calls[i]
		op, category, score = &c.Operator, &c.WrapCode, c.Rating
	case SrcTransfers:
		x := &f.Transfers[i]
		op, dep, liaison = &x.RequestedBy, &x.Department, &x.Liaison
	case SrcClocks:
		k := &f.Clocks[i]
		dep, liaison, channel, category = &k.Department, &k.AnsweredBy, &k.Channel, &k.QueryKind
	case SrcQueries:
		q := &f.Queries[i]
		dep, channel, category, topic = &q.Department, &q.Channel, &q.Kind, &q.Topic
	case SrcAnswers:
		a := &f.Answers[i]
		dep, liaison, channel, category, score = &a.Department, &a.Liaison, &a.Channel, &a.QueryKind, a.Rating
	case SrcRatings:
		r := &f.Ratings[i]
		dep, liaison, channel, category, score = &r.Department, &r.Liaison, &r.Channel, &r.QueryKind, r.Score
	case SrcComplaints:
		c := &f.Complaints[i]
		dep, channel, category = &c.Department, &c.Channel, &c.QueryKind
	}
	var v *string
	switch dim {
	case DimDay, DimWeek, DimHour:
		return f.timeKeys(src, dim)[i], true
	case DimScore:
		return strconv.Itoa(score), score >= 0
	case DimOperator:
		v = op
	case DimDepartment:
		v = dep
	case DimLiaison:
		v = liaison
	case DimChannel:
		v = channel
	case DimCategory:
		v = category
	case DimTopic:
		v = topic
	}
	if v == nil {
		return "", false
	}
	return *v, true
}

// timeKeys returns the day, week or hour of every record of src,
// computed once.
func (f *Facts) timeKeys(src, dim string) []string {
	k := src + "/" + dim
	if ks, ok := f.timeKey[k]; ok {
		return ks
	}
	n := map[string]int{SrcCalls: len(f.Calls), SrcTransfers: len(f.Transfers), SrcClocks: len(f.Clocks), SrcQueries: len(f.Queries),
		SrcAnswers: len(f.Answers), SrcRatings: len(f.Ratings), SrcComplaints: len(f.Complaints)}[src]
	ks := make([]string, n)
	memo := map[int64]string{} // by hour since the epoch
	for i := range ks {
		t := f.instant(src, i)
		h := t.Unix() / 3600
		if v, ok := memo[h]; ok {
			ks[i] = v
			continue
		}
		switch dim {
		case DimDay:
			ks[i] = day(t)
		case DimWeek:
			ks[i] = week(t)
		default:
			ks[i] = hour(t)
		}
		memo[h] = ks[i]
	}
	if f.timeKey == nil {
		f.timeKey = map[string][]string{}
	}
	f.timeKey[k] = ks
	return ks
}

// instant is the time a record is dated by.
func (f *Facts) instant(src string, i int) time.Time {
	switch src {
	case SrcCalls:
		return f.Calls[i].StartedAt
	case SrcTransfers:
		return f.Transfers[i].RequestedAt
	case SrcClocks:
		return f.Clocks[i].DueAt
	case SrcQueries:
		return f.Queries[i].AcceptedAt
	case SrcAnswers:
		return f.Answers[i].AnsweredAt
	case SrcRatings:
		return f.Ratings[i].RatedAt
	case SrcComplaints:
		return f.Complaints[i].CreatedAt
	}
	return time.Time{}
}

// passes reports whether record i of src passes the filter.
func (f *Facts) passes(src string, i int, ps [][2]string) bool {
	for _, p := range ps {
		if v, ok := f.at(src, i, p[0]); !ok || v != p[1] {
			return false
		}
	}
	return true
}

// Set is a named set of records: what a count counts, what a ratio
// divides, what a list lists. Exactly one predicate is set, for its Source.
type Set struct {
	Key, Name, Source string

	call      func(f *Facts, c *CallFact) bool
	transfer  func(f *Facts, t *TransferFact) bool
	clock     func(f *Facts, k *ClockFact) bool
	query     func(f *Facts, q *QueryFact) bool
	answer    func(f *Facts, a *AnswerFact) bool
	rating    func(f *Facts, r *RatingFact) bool
	complaint func(f *Facts, c *ComplaintFact) bool
}

func exitIs(e string) func(*Facts, *CallFact) bool {
	return func(_ *Facts, c *CallFact) bool { return c.Class == ClassOffered && c.Exit == e }
}

func classIs(cl string) func(*Facts, *CallFact) bool {
	return func(_ *Facts, c *CallFact) bool { return c.Class == cl }
}

func resultIn(rs ...string) func(*Facts, *TransferFact) bool {
	return func(_ *Facts, t *TransferFact) bool {
		for _, r := range rs {
			if t.Result == r {
				return true
			}
		}
		return false
	}
}

func clockIn(states ...string) func(*Facts, *ClockFact) bool {
	return func(_ *Facts, k *ClockFact) bool {
		for _, s := range states {
			if k.State == s {
				return true
			}
		}
		return false
	}
}

func scoreIs(n int) func(*Facts, *RatingFact) bool {
	return func(_ *Facts, r *RatingFact) bool { return r.Score == n }
}

func callScoreIs(n int) func(*Facts, *CallFact) bool {
	return func(_ *Facts, c *CallFact) bool { return c.Rating == n }
}

// dueStates are the clocks that had to end in an answer by now: the base
// of 按时办结率.
var dueStates = []string{ClockOnTime, ClockLate, ClockOverdue}

// sets are every set the indicators use, by key.
var sets = map[string]*Set{}

func init() {
	registerSets()
	registerFigures()
	registerCountFigures()
}

func registerSets() {
	for _, s := range []*Set{
		{Key: "incoming", Name: "来电（O + C + B）", Source: SrcCalls, call: func(_ *Facts, c *CallFact) bool {
			return c.Class == ClassOffered || c.Class == ClassClosed || c.Class == ClassBlocked
		}},
		{Key: "all_calls", Name: "全部来电记录", Source: SrcCalls, call: func(*Facts, *CallFact) bool { return true }},
		{Key: "O", Name: "进入队列 O", Source: SrcCalls, call: classIs(ClassOffered)},
		{Key: "C", Name: "非工作时间来电 C", Source: SrcCalls, call: classIs(ClassClosed)},
		{Key: "B", Name: "系统拒绝 B", Source: SrcCalls, call: classIs(ClassBlocked)},
		{Key: "G", Name: "问候语中挂机（未进入队列）", Source: SrcCalls, call: classIs(ClassGreeting)},
		{Key: "N", Name: "接通 N", Source: SrcCalls, call: exitIs(ExitAnswered)},
		{Key: "N15", Name: "限时内接通", Source: SrcCalls, call: func(f *Facts, c *CallFact) bool {
			return c.Class == ClassOffered && c.Exit == ExitAnswered && c.Wait <= f.Settings.AnswerTarget
		}},
		{Key: "A", Name: "放弃 A（含短时放弃）", Source: SrcCalls, call: exitIs(ExitAbandoned)},
		{Key: "S", Name: "短时放弃 S", Source: SrcCalls, call: func(_ *Facts, c *CallFact) bool { return c.Exit == ExitAbandoned && c.Short }},
		{Key: "AS", Name: "放弃 A − S", Source: SrcCalls, call: func(_ *Facts, c *CallFact) bool { return c.Exit == ExitAbandoned && !c.Short }},
		{Key: "OS", Name: "进入队列 O − S", Source: SrcCalls, call: func(_ *Facts, c *CallFact) bool {
			return c.Class == ClassOffered && !(c.Exit == ExitAbandoned && c.Short)
		}},
		{Key: "TO", Name: "超时转留言 TO", Source: SrcCalls, call: exitIs(ExitTimeout)},
		{Key: "OX", Name: "其他结束（故障、中断、进行中）", Source: SrcCalls, call: exitIs(ExitOther)},
		{Key: "rated_calls", Name: "参评来电", Source: SrcCalls, call: func(_ *Facts, c *CallFact) bool { return c.Exit == ExitAnswered && c.Rating > 0 }},
		{Key: "satisfied_calls", Name: "满意来电", Source: SrcCalls, call: func(f *Facts, c *CallFact) bool {
			return c.Exit == ExitAnswered && c.Rating >= f.Settings.SatisfiedMin
		}},

		{Key: "X", Name: "转接 X", Source: SrcTransfers, transfer: func(*Facts, *TransferFact) bool { return true }},
		{Key: "XA", Name: "转接接通 XA", Source: SrcTransfers, transfer: func(_ *Facts, t *TransferFact) bool { return t.AnswerAt() }},
		{Key: "x_done", Name: "接通并转出", Source: SrcTransfers, transfer: resultIn("answered", "completed", "threeway")},
		{Key: "x_returned", Name: "取回话务员", Source: SrcTransfers, transfer: resultIn("cancelled")},
		{Key: "x_refused", Name: "拒接", Source: SrcTransfers, transfer: resultIn("refused")},
		{Key: "x_timeout", Name: "振铃超时未接", Source: SrcTransfers, transfer: resultIn("no_answer", "timeout")},
		{Key: "x_hungup", Name: "来电人挂机", Source: SrcTransfers, transfer: resultIn("caller_hung_up")},
		{Key: "x_closed", Name: "部门非办公时间", Source: SrcTransfers, transfer: resultIn("out_of_hours")},
		{Key: "x_noliaison", Name: "无可用联络员", Source: SrcTransfers, transfer: resultIn("no_liaison")},
		{Key: "x_failed", Name: "故障", Source: SrcTransfers, transfer: resultIn("failed")},
		{Key: "x_pending", Name: "进行中", Source: SrcTransfers, transfer: resultIn("pending")},
		{Key: "XR", Name: "计入响应性的转接", Source: SrcTransfers, transfer: func(_ *Facts, t *TransferFact) bool { return t.Counted }},
		{Key: "XRR", Name: "振铃时限内接通", Source: SrcTransfers, transfer: func(_ *Facts, t *TransferFact) bool { return t.Counted && t.Responsive }},
		{Key: "x_outside", Name: "部门办公时间外的转接（不计）", Source: SrcTransfers, transfer: func(_ *Facts, t *TransferFact) bool { return !t.InHours }},

		{Key: "due", Name: "本期到期", Source: SrcClocks, clock: clockIn(dueStates...)},
		{Key: "on_time", Name: "按时办结", Source: SrcClocks, clock: clockIn(ClockOnTime)},
		{Key: "late", Name: "超期办结", Source: SrcClocks, clock: clockIn(ClockLate)},
		{Key: "overdue_open", Name: "超期未办结", Source: SrcClocks, clock: clockIn(ClockOverdue)},
		{Key: "overdue", Name: "超期（已办结与未办结）", Source: SrcClocks, clock: clockIn(ClockLate, ClockOverdue)},
		{Key: "ext_due", Name: "延期件（按延长后时限）", Source: SrcClocks, clock: func(f *Facts, k *ClockFact) bool {
			return k.Extended && clockIn(dueStates...)(f, k)
		}},
		{Key: "ext_on_time", Name: "延期件按时办结", Source: SrcClocks, clock: func(_ *Facts, k *ClockFact) bool { return k.Extended && k.State == ClockOnTime }},
		{Key: "not_due", Name: "未到期", Source: SrcClocks, clock: clockIn(ClockNotDue)},
		{Key: "stopped", Name: "中止（补正、征求意见）", Source: SrcClocks, clock: clockIn(ClockStopped)},
		{Key: "passed_on", Name: "转办、分办（不计）", Source: SrcClocks, clock: clockIn(ClockPassedOn)},

		{Key: "accepted", Name: "受理查询单", Source: SrcQueries, query: func(*Facts, *QueryFact) bool { return true }},

		{Key: "answers", Name: "答复", Source: SrcAnswers, answer: func(*Facts, *AnswerFact) bool { return true }},
		{Key: "answers_rated", Name: "已评价的答复", Source: SrcAnswers, answer: func(_ *Facts, a *AnswerFact) bool { return a.Rating > 0 }},
		{Key: "answers_followed", Name: "已回访的答复", Source: SrcAnswers, answer: func(_ *Facts, a *AnswerFact) bool { return a.FollowedUp }},
		{Key: "answers_complained", Name: "被投诉重办的答复", Source: SrcAnswers, answer: func(_ *Facts, a *AnswerFact) bool { return a.Complained }},

		{Key: "ratings", Name: "答复评价", Source: SrcRatings, rating: func(*Facts, *RatingFact) bool { return true }},
		{Key: "satisfied", Name: "满意评价", Source: SrcRatings, rating: func(f *Facts, r *RatingFact) bool { return r.Score >= f.Settings.SatisfiedMin }},

		{Key: "complaints", Name: "投诉", Source: SrcComplaints, complaint: func(*Facts, *ComplaintFact) bool { return true }},
		{Key: "complaints_replied", Name: "投诉已答复", Source: SrcComplaints, complaint: func(_ *Facts, c *ComplaintFact) bool { return c.Status == "replied" }},
		{Key: "complaints_overdue", Name: "投诉超期", Source: SrcComplaints, complaint: func(_ *Facts, c *ComplaintFact) bool { return c.Overdue }},
	} {
		sets[s.Key] = s
	}
	for n := 1; n <= 5; n++ {
		k := fmt.Sprintf("score%d", n)
		sets[k] = &Set{Key: k, Name: fmt.Sprintf("答复评 %d 分（%s）", n, ScoreLabel(n)), Source: SrcRatings, rating: scoreIs(n)}
		k = fmt.Sprintf("call_score%d", n)
		sets[k] = &Set{Key: k, Name: fmt.Sprintf("来电评 %d 分（%s）", n, ScoreLabel(n)), Source: SrcCalls, call: callScoreIs(n)}
	}
}

// SetByKey returns the set of a key, or nil.
func SetByKey(key string) *Set { return sets[key] }

// members returns the indexes of the records of f in the set under fl.
func (f *Facts) members(s *Set, fl Filter) []int {
	ps := fl.pairs()
	if len(ps) > 0 {
		return f.scan(s, ps)
	}
	if m, ok := f.cache[s.Key]; ok {
		return m
	}
	if f.cache == nil {
		f.cache = map[string][]int{}
	}
	m := f.scan(s, nil)
	f.cache[s.Key] = m
	return m
}

// scan walks the records of the set's source.
func (f *Facts) scan(s *Set, ps [][2]string) []int {
	var out []int
	add := func(i int, in bool) {
		if in && f.passes(s.Source, i, ps) {
			out = append(out, i)
		}
	}
	switch s.Source {
	case SrcCalls:
		for i := range f.Calls {
			add(i, s.call(f, &f.Calls[i]))
		}
	case SrcTransfers:
		for i := range f.Transfers {
			add(i, s.transfer(f, &f.Transfers[i]))
		}
	case SrcClocks:
		for i := range f.Clocks {
			add(i, s.clock(f, &f.Clocks[i]))
		}
	case SrcQueries:
		for i := range f.Queries {
			add(i, s.query(f, &f.Queries[i]))
		}
	case SrcAnswers:
		for i := range f.Answers {
			add(i, s.answer(f, &f.Answers[i]))
		}
	case SrcRatings:
		for i := range f.Ratings {
			add(i, s.rating(f, &f.Ratings[i]))
		}
	case SrcComplaints:
		for i := range f.Complaints {
			add(i, s.complaint(f, &f.Complaints[i]))
		}
	}
	return out
}

// groups splits the members of a set by the value of a dimension (records
// without it are left out): groups(s, fl, dim)[v] == members(s, fl.With(dim, v)).
func (f *Facts) groups(s *Set, fl Filter, dim string) map[string][]int {
	out := map[string][]int{}
	for _, i := range f.members(s, fl) {
		if v, ok := f.at(s.Source, i, dim); ok {
			out[v] = append(out[v], i)
		}
	}
	return out
}

// Count is the number of records of f in the set of key under fl.
func (f *Facts) Count(key string, fl Filter) int { return len(f.members(sets[key], fl)) }

// ScoreLabel is the meaning of a rating: 5 非常满意 … 1 非常不满意.
func ScoreLabel(n int) string {
	switch n {
	case 5:
		return "非常满意"
	case 4:
		return "满意"
	case 3:
		return "基本满意"
	case 2:
		return "不满意"
	case 1:
		return "非常不满意"
	}
	return ""
}
