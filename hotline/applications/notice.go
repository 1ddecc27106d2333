package applications

import (
	"context"
	"fmt"
	"strings"

	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/queries"
)

// Notice is a 政府信息公开申请答复告知书: to whom, what was asked, the
// decision with its legal basis, the information provided or the
// documents disclosed, the remedies, the agency and the date. Its wording
// follows the decision (one template per decision type); server renders it
// as a print-ready page.
type Notice struct {
	Title      string     `json:"title"`
	No         string     `json:"no"`
	Code       string     `json:"code"`
	To         string     `json:"to"` // the applicant, masked for anyone but the handling department's liaisons
	Masked     bool       `json:"masked"`
	Decision   string     `json:"decision"`
	Short      string     `json:"short"`
	Paragraphs []string   `json:"paragraphs"`
	Text       []string   `json:"text"`     // the department's own text, by paragraph
	Withheld   []string   `json:"withheld"` // partial: what is withheld and why
	Documents  []Document `json:"documents"`
	Closing    []string   `json:"closing"` // fee, delivery
	Remedy     string     `json:"remedy"`
	Agency     string     `json:"agency"`
	Date       string     `json:"date"` // 2026年1月12日
}

// Remedy is the applicant's remedies against a decision (《政府信息公开条例》
// 第五十一条; 行政复议法 第二十条; 行政诉讼法 第四十六条).
const Remedy = "如对本答复不服，可以自收到本告知书之日起六十日内依法申请行政复议，也可以自收到本告知书之日起六个月内依法向人民法院提起行政诉讼。"

// ChineseDate writes a date as notices do: 2026年1月12日.
func ChineseDate(d calendar.Date) string {
	return fmt.Sprintf("%d年%d月%d日", d.Year(), int(d.Month()), d.Day())
}

// Notice returns the reply notice of a decided application for a. The
// department's liaisons see the applicant's name; other staff see it
// masked. It fails with queries.ErrConflict before the decision.
func (s *Store) Notice(ctx context.Context, a queries.Actor, code string) (Notice, error) {
	v, err := s.Get(ctx, a, code)
	if err != nil {
		return Notice{}, err
	}
	if v.Decision == nil {
		return Notice{}, conflict("申请 %s 尚未作出答复，没有答复告知书", v.Code)
	}
	d := v.Decision
	n := Notice{Title: "政府信息公开申请答复告知书", No: d.NoticeNo, Code: v.Code, To: v.Applicant.Name, Masked: v.Applicant.Masked,
		Decision: d.Decision, Short: d.Short, Documents: d.Documents, Remedy: Remedy, Agency: v.Agency,
		Date: ChineseDate(d.DecidedOn), Text: lines(d.Text), Withheld: lines(d.Withheld)}
	you := "你"
	if v.Applicant.Type != Natural {
		you = "你单位"
	}
	ask := fmt.Sprintf("本机关于%s收到%s通过%s提出的政府信息公开申请（查询码：%s），申请获取：“%s”。",
		ChineseDate(v.ReceivedOn), you, Text(Channels, v.Channel), v.Code, strings.TrimSpace(v.Information))
	n.Paragraphs = append(n.Paragraphs, ask)
	for _, c := range v.Corrections {
		if c.ReceivedOn.Valid {
			n.Paragraphs = append(n.Paragraphs, fmt.Sprintf("本机关于%s告知%s补正申请，于%s收到补正材料，答复期限自收到补正之日起计算。",
				ChineseDate(c.RequestedOn), you, ChineseDate(c.ReceivedOn.Date)))
		} else {
			n.Paragraphs = append(n.Paragraphs, fmt.Sprintf("本机关于%s告知%s补正申请，%s在合理期限内未补正。", ChineseDate(c.RequestedOn), you, you))
		}
	}
	if len(v.Consultations) > 0 {
		n.Paragraphs = append(n.Paragraphs, "因申请公开的信息可能损害第三方合法权益，本机关依照《中华人民共和国政府信息公开条例》第三十二条的规定书面征求了第三方的意见，征求意见所需时间不计算在答复期限内。")
	}
	if v.Clock.Limit == calendar.ApplicationExtended {
		n.Paragraphs = append(n.Paragraphs, "经本机关政府信息公开工作机构负责人同意，答复期限依照《中华人民共和国政府信息公开条例》第三十三条第二款的规定延长二十个工作日。")
	}
	n.Paragraphs = append(n.Paragraphs, decisionParagraph(d, you))
	if v.FeeYuan != "" && strings.Trim(v.FeeYuan, "0.") != "" {
		n.Closing = append(n.Closing, fmt.Sprintf("依照《政府信息公开信息处理费管理办法》，本次收取信息处理费%s元（%s）。", strings.TrimSuffix(strings.TrimRight(v.FeeYuan, "0"), "."), v.FeeNote))
	}
	if d.Decision == Granted || d.Decision == Partial {
		n.Closing = append(n.Closing, fmt.Sprintf("所提供的信息以%s形式，通过%s方式提供。", Text(Deliveries, v.Delivery), Text(Pickups, v.Pickup)))
	}
	return n, nil
}

// decisionParagraph is the paragraph that states the decision, in the
// words of its type.
func decisionParagraph(d *Decided, you string) string {
	switch d.Decision {
	case Granted:
		return fmt.Sprintf("经审查，%s申请获取的政府信息属于公开范围。根据%s的规定，本机关决定予以公开，现将有关信息提供如下。", you, d.Basis)
	case Partial:
		return fmt.Sprintf("经审查，%s申请获取的政府信息中含有不应当公开或者不属于政府信息的内容，但能够作区分处理。根据%s的规定，本机关对可以公开的部分予以公开，不予公开的部分及理由说明如下。", you, d.Basis)
	case Denied:
		return fmt.Sprintf("经审查，%s申请获取的信息属于“%s”的情形。根据%s的规定，本机关决定不予公开。", you, d.ReasonText, d.Basis)
	case Unable:
		return fmt.Sprintf("经审查，%s的申请属于“%s”的情形。根据%s的规定，本机关无法提供%s所申请的信息。", you, d.ReasonText, d.Basis, you)
	case NotProcessed:
		return fmt.Sprintf("经审查，%s的申请属于“%s”的情形。根据%s的规定，本机关不予处理。", you, d.ReasonText, d.Basis)
	}
	switch d.Reason {
	case "no_correction", "fee_unpaid":
		return fmt.Sprintf("经审查，%s%s。根据%s的规定，本机关不再处理该政府信息公开申请。", you,
			strings.TrimSuffix(strings.TrimPrefix(d.ReasonText, "申请人"), "、行政机关不再处理其政府信息公开申请"), d.Basis)
	}
	return fmt.Sprintf("经审查，根据%s的规定，本机关对%s的申请作如下处理。", d.Basis, you)
}

// lines splits a text into its non-empty paragraphs.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
