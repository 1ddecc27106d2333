// Package applications handles applications for government information
// (政府信息公开申请, 依申请公开) under the 《中华人民共和国政府信息公开条例》
// (2019): who applied and how, what they asked for, the time limit in
// working days with its 补正, third-party consultation and extension, the
// decision from the exact list the annual report counts, the reply notice
// (答复告知书), and the administrative review and litigation cases about a
// decision. An application is a tracked query of kind "application": it
// has a 查询码, a clock and the public status page like any query.
package applications

// Applicant types, as the columns of table 三 of the annual report count
// them (国办公开办函〔2021〕30号).
const (
	Natural       = "natural"        // 自然人
	Commercial    = "commercial"     // 法人或其他组织：商业企业
	Research      = "research"       // 科研机构
	PublicWelfare = "public_welfare" // 社会公益组织
	LegalService  = "legal_service"  // 法律服务机构
	OtherOrg      = "other"          // 其他
)

// ApplicantTypes lists the applicant types in the report's column order.
var ApplicantTypes = []Label{
	{Natural, "自然人"}, {Commercial, "商业企业"}, {Research, "科研机构"},
	{PublicWelfare, "社会公益组织"}, {LegalService, "法律服务机构"}, {OtherOrg, "其他"},
}

// Decisions (办理结果), the groups of table 三.
const (
	Granted      = "granted"       // （一）予以公开
	Partial      = "partial"       // （二）部分公开
	Denied       = "denied"        // （三）不予公开
	Unable       = "unable"        // （四）无法提供
	NotProcessed = "not_processed" // （五）不予处理
	OtherHandled = "other"         // （六）其他处理
)

// Label is a code with its exact Chinese label.
type Label struct {
	Code, Text string
}

// Decision is a group of table 三 with its reasons (none for 予以公开 and
// 部分公开) and the article of the 条例 each reason rests on.
type Decision struct {
	Code, Text string
	Reasons    []Reason
}

// Reason is a leaf of table 三: the reason of a decision, with its legal
// basis for the reply notice.
type Reason struct {
	Code, Text, Basis string
}

// Decisions lists the decisions and reasons in the report's row order,
// labels exact (full-width parentheses, “” quotes).
var Decisions = []Decision{
	{Code: Granted, Text: "予以公开"},
	{Code: Partial, Text: "部分公开（区分处理的，只计这一情形，不计其他情形）"},
	{Code: Denied, Text: "不予公开", Reasons: []Reason{
		{"state_secret", "属于国家秘密", "《中华人民共和国政府信息公开条例》第十四条"},
		{"law_forbidden", "其他法律行政法规禁止公开", "《中华人民共和国政府信息公开条例》第十四条"},
		{"three_security", "危及“三安全一稳定”", "《中华人民共和国政府信息公开条例》第十四条"},
		{"third_party", "保护第三方合法权益", "《中华人民共和国政府信息公开条例》第十五条"},
		{"internal_affairs", "属于三类内部事务信息", "《中华人民共和国政府信息公开条例》第十六条第一款"},
		{"process_info", "属于四类过程性信息", "《中华人民共和国政府信息公开条例》第十六条第二款"},
		{"enforcement_file", "属于行政执法案卷", "《中华人民共和国政府信息公开条例》第十六条第二款"},
		{"admin_query", "属于行政查询事项", "《中华人民共和国政府信息公开条例》第三十六条第（七）项"},
	}},
	{Code: Unable, Text: "无法提供", Reasons: []Reason{
		{"not_held", "本机关不掌握相关政府信息", "《中华人民共和国政府信息公开条例》第三十六条第（四）项"},
		{"needs_creation", "没有现成信息需要另行制作", "《中华人民共和国政府信息公开条例》第三十八条"},
		{"unclear_after_correction", "补正后申请内容仍不明确", "《中华人民共和国政府信息公开条例》第三十条"},
	}},
	{Code: NotProcessed, Text: "不予处理", Reasons: []Reason{
		{"petition_complaint", "信访举报投诉类申请", "《中华人民共和国政府信息公开条例》第三十九条第一款"},
		{"repeat", "重复申请", "《中华人民共和国政府信息公开条例》第三十六条第（六）项"},
		{"publication", "要求提供公开出版物", "《中华人民共和国政府信息公开条例》第三十九条第二款"},
		{"mass_repeat", "无正当理由大量反复申请", "《中华人民共和国政府信息公开条例》第三十五条"},
		{"confirm_reissue", "要求行政机关确认或重新出具已获取信息", "《中华人民共和国政府信息公开条例》第三十九条第二款"},
	}},
	{Code: OtherHandled, Text: "其他处理", Reasons: []Reason{
		{"no_correction", "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "《中华人民共和国政府信息公开条例》第三十条"},
		{"fee_unpaid", "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）"},
		{"other", "其他", "《中华人民共和国政府信息公开条例》"},
	}},
}

// Administrative review and litigation (table 四): the kinds of case and
// their outcomes.
const (
	Review          = "review"            // 行政复议
	SuitDirect      = "suit_direct"       // 行政诉讼：未经复议直接起诉
	SuitAfterReview = "suit_after_review" // 行政诉讼：复议后起诉

	Upheld    = "upheld"    // 结果维持
	Corrected = "corrected" // 结果纠正
	OtherEnd  = "other"     // 其他结果
	Pending   = "pending"   // 尚未审结
)

// LookupReason finds a decision and, for decisions that need one, its
// reason; ok is false for an unknown decision, a missing or unknown
// reason, or a reason given to 予以公开/部分公开.
func LookupReason(decision, reason string) (Decision, Reason, bool) {
	for _, d := range Decisions {
		if d.Code != decision {
			continue
		}
		if len(d.Reasons) == 0 {
			return d, Reason{}, reason == ""
		}
		for _, r := range d.Reasons {
			if r.Code == reason {
				return d, r, true
			}
		}
		return d, Reason{}, false
	}
	return Decision{}, Reason{}, false
}
