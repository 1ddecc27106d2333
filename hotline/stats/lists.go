package stats

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/govhall/govhall/hotline/calendar"
)

// TimeLayout is how lists and exports write instants: Asia/Shanghai with
// its offset, so a spreadsheet never shifts them.
const TimeLayout = "2006-01-02 15:04:05-07:00"

func ts(t time.Time) string { return t.In(calendar.Location()).Format(TimeLayout) }

func nts(t sql.NullTime) string {
	if !t.Valid {
		return ""
	}
	return ts(t.Time)
}

// List is the records behind a figure ("which ones?").
type List struct {
	Set    string    `json:"set"`
	Title  string    `json:"title"`
	Source string    `json:"source"`
	Filter Filter    `json:"filter"`
	Head   []string  `json:"head"`
	Rows   []ListRow `json:"rows"`
}

// ListRow is one record: its cells and a link key (call id or 查询码).
type ListRow struct {
	Cells []string `json:"cells"`
	Call  int64    `json:"call,omitempty"`
	Code  string   `json:"code,omitempty"`
}

// List returns the records of the set under fl, in the report's facts.
func (r *Report) List(set string, fl Filter) (*List, error) { return r.facts.list(set, fl) }

// List computes the facts of the period and returns the records of a set.
func (s *Store) List(ctx context.Context, p Period, dep, set string, fl Filter) (*List, error) {
	if sets[set] == nil {
		return nil, fieldErr("set", "没有名为“%s”的统计项", set)
	}
	st, err := s.Settings(ctx)
	if err != nil {
		return nil, err
	}
	f, err := s.load(ctx, p, dep, st)
	if err != nil {
		return nil, err
	}
	return f.list(set, fl)
}

// MaskPhone hides the middle of a phone number (13812345678 → 138****5678).
func MaskPhone(p string) string {
	r := []rune(p)
	switch {
	case len(r) >= 8:
		return string(r[:3]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-4:])
	case len(r) > 2:
		return string(r[:1]) + strings.Repeat("*", len(r)-2) + string(r[len(r)-1:])
	}
	return p
}

var classLabels = map[string]string{ClassOffered: "进入队列", ClassClosed: "非工作时间", ClassBlocked: "系统拒绝", ClassGreeting: "问候语中挂机"}

var exitLabels = map[string]string{ExitAnswered: "接通", ExitAbandoned: "放弃", ExitTimeout: "超时转留言", ExitOther: "其他结束"}

var stateLabels = map[string]string{ClockOnTime: "按时办结", ClockLate: "超期办结", ClockOverdue: "超期未办结", ClockNotDue: "未到期",
	ClockStopped: "中止", ClockPassedOn: "转办/分办"}

var resultLabels = map[string]string{"pending": "进行中", "answered": "接通", "no_answer": "无人接听", "out_of_hours": "非办公时间",
	"no_liaison": "无联络员", "failed": "故障", "caller_hung_up": "来电人挂机", "completed": "接通并转出", "cancelled": "取回",
	"refused": "拒接", "timeout": "超时", "threeway": "三方通话"}

func yes(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

func score(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprint(n)
}

func (f *Facts) list(key string, fl Filter) (*List, error) {
	s := sets[key]
	if s == nil {
		return nil, fieldErr("set", "没有名为“%s”的统计项", key)
	}
	l := &List{Set: key, Title: s.Name, Source: s.Source, Filter: fl, Rows: []ListRow{}}
	idx := f.members(s, fl)
	switch s.Source {
	case SrcCalls:
		l.Head = []string{"来电编号", "开始时间", "来电号码", "分类", "结果", "等待（秒）", "通话（秒）", "保持（秒）", "话后整理（秒）", "话务员", "小结", "转接部门", "评分", "查询码"}
		for _, i := range idx {
			c := &f.Calls[i]
			exit := ""
			if c.Class == ClassOffered {
				exit = exitLabels[c.Exit]
				if c.Short {
					exit += "（短时）"
				}
			}
			wait := ""
			if c.Class == ClassOffered {
				wait = seconds(c.Wait)
			}
			l.Rows = append(l.Rows, ListRow{Call: c.ID, Cells: []string{fmt.Sprint(c.ID), ts(c.StartedAt), MaskPhone(c.Caller), classLabels[c.Class], exit,
				wait, seconds(c.Talk), seconds(c.Hold), seconds(c.Wrap), c.Operator, f.wrapLabel(c.WrapCode), c.Department, score(c.Rating), c.QueryCode}})
		}
	case SrcTransfers:
		l.Head = []string{"转接编号", "来电编号", "发起时间", "部门", "方式", "话务员", "结果", "接通时间", "应答（秒）", "联络员", "办公时间内", "计入响应性", "时限内接通"}
		for _, i := range idx {
			t := &f.Transfers[i]
			delay := ""
			if t.AnswerAt() {
				delay = seconds(t.AnswerDelay())
			}
			l.Rows = append(l.Rows, ListRow{Call: t.CallID, Cells: []string{fmt.Sprint(t.ID), fmt.Sprint(t.CallID), ts(t.RequestedAt), t.DeptName, t.Method,
				t.RequestedBy, resultLabels[t.Result], nts(t.AnsweredAt), delay, t.Liaison, yes(t.InHours), yes(t.Counted), yes(t.Counted && t.Responsive)}})
		}
	case SrcClocks:
		l.Head = []string{"查询码", "部门", "时限类别", "工作日", "开始", "到期", "办结", "状态", "延期", "渠道", "日历版本"}
		for _, i := range idx {
			k := &f.Clocks[i]
			l.Rows = append(l.Rows, ListRow{Code: k.Code, Cells: []string{k.Code, k.DeptName, k.Kind, fmt.Sprint(k.Days + k.ExtraDays), ts(k.StartedAt),
				ts(k.DueAt), nts(k.ClosedAt), stateLabels[k.State], yes(k.Extended), ChannelLabel(k.Channel), k.CalVersion}})
		}
	case SrcQueries:
		l.Head = []string{"查询码", "受理时间", "渠道", "类别", "部门", "状态", "问题"}
		for _, i := range idx {
			q := &f.Queries[i]
			l.Rows = append(l.Rows, ListRow{Code: q.Code, Cells: []string{q.Code, ts(q.AcceptedAt), ChannelLabel(q.Channel), KindLabel(q.Kind), q.DeptName, q.Status, q.Question}})
		}
	case SrcAnswers:
		l.Head = []string{"查询码", "答复时间", "部门", "联络员", "渠道", "评分", "被投诉", "已回访"}
		for _, i := range idx {
			a := &f.Answers[i]
			l.Rows = append(l.Rows, ListRow{Code: a.Code, Cells: []string{a.Code, ts(a.AnsweredAt), a.DeptName, a.Liaison, ChannelLabel(a.Channel), score(a.Rating), yes(a.Complained), yes(a.FollowedUp)}})
		}
	case SrcRatings:
		l.Head = []string{"查询码", "评价时间", "部门", "联络员", "评分", "含义", "评价渠道"}
		for _, i := range idx {
			r := &f.Ratings[i]
			l.Rows = append(l.Rows, ListRow{Code: r.Code, Cells: []string{r.Code, ts(r.RatedAt), r.DeptName, r.Liaison, fmt.Sprint(r.Score), ScoreLabel(r.Score), ChannelLabel(r.RatedVia)}})
		}
	case SrcComplaints:
		l.Head = []string{"投诉编号", "查询码", "投诉时间", "被投诉部门", "状态", "答复时间", "到期", "超期"}
		for _, i := range idx {
			c := &f.Complaints[i]
			l.Rows = append(l.Rows, ListRow{Code: c.Code, Cells: []string{fmt.Sprint(c.ID), c.Code, ts(c.CreatedAt), c.DeptName, c.Status, nts(c.RepliedAt), ts(c.DueAt), yes(c.Overdue)}})
		}
	}
	return l, nil
}

func (f *Facts) wrapLabel(code string) string {
	if l := f.WrapLabels[code]; l != "" {
		return l
	}
	return code
}
