package applications

// Labels of the codes an application carries, for pages and the notice.

// Channels an application comes in by: kiosk and web from the public,
// window and post entered by staff.
var Channels = []Label{{"kiosk", "政务公开查询终端"}, {"web", "政府网站"}, {"window", "服务窗口当面提交"}, {"post", "信函"}}

// IDTypes are the identity documents of a natural person.
var IDTypes = []Label{
	{"resident_id", "居民身份证"}, {"passport", "护照"}, {"hk_macao", "港澳居民来往内地通行证"},
	{"taiwan", "台湾居民来往大陆通行证"}, {"foreign_permanent", "外国人永久居留身份证"}, {"other", "其他有效身份证件"},
}

// Deliveries are the forms the information is given in (指定提供形式).
var Deliveries = []Label{{"paper", "纸质"}, {"electronic", "电子"}, {"post", "邮寄"}}

// Pickups are the ways of receiving it (获取方式), and of delivering the
// notice.
var Pickups = []Label{{"window", "当面领取"}, {"post", "邮寄"}, {"email", "电子邮件"}, {"online", "网上获取"}}

// States of an application.
var States = []Label{{"received", "办理中"}, {"correction", "等待补正"}, {"consulting", "征求第三方意见"}, {"decided", "已答复"}}

// Opinions of a third party consulted (第三十二条).
var Opinions = []Label{{"agree", "同意公开"}, {"object", "不同意公开"}, {"none", "逾期未提出意见"}}

// CaseKinds and Outcomes label the administrative review and litigation
// cases.
var (
	CaseKinds = []Label{{Review, "行政复议"}, {SuitDirect, "行政诉讼（未经复议直接起诉）"}, {SuitAfterReview, "行政诉讼（复议后起诉）"}}
	Outcomes  = []Label{{Upheld, "维持"}, {Corrected, "纠正"}, {OtherEnd, "其他"}, {Pending, "尚未审结"}}
)

// decisionShort is the decision as the notice and the public summary name
// it; decisionBasis the article a decision without reasons rests on.
var (
	decisionShort = map[string]string{Granted: "予以公开", Partial: "部分公开", Denied: "不予公开", Unable: "无法提供",
		NotProcessed: "不予处理", OtherHandled: "其他处理"}
	decisionBasis = map[string]string{
		Granted: "《中华人民共和国政府信息公开条例》第三十六条第（二）项",
		Partial: "《中华人民共和国政府信息公开条例》第三十七条、第三十六条第（三）项",
	}
)

// Text returns the label of code in labels, or code itself.
func Text(labels []Label, code string) string {
	for _, l := range labels {
		if l.Code == code {
			return l.Text
		}
	}
	return code
}

func known(labels []Label, code string) bool {
	for _, l := range labels {
		if l.Code == code {
			return true
		}
	}
	return false
}

// DecisionShort names a decision briefly: 予以公开, 部分公开 ….
func DecisionShort(code string) string { return decisionShort[code] }

// Basis returns the legal basis of a decision with its reason: the
// reason's article, or for 予以公开 and 部分公开 the decision's own.
func Basis(decision, reason string) string {
	if _, r, ok := LookupReason(decision, reason); ok && r.Basis != "" {
		return r.Basis
	}
	return decisionBasis[decision]
}
