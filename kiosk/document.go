package kiosk

import (
	"crypto/rand"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Document kinds, validity values, disclosure attributes and states.
const (
	KindPolicy         = "policy"
	KindInterpretation = "interpretation"
	KindGuide          = "guide"
	KindOther          = "other"

	Valid     = "有效"
	Repealed  = "废止"
	Expired   = "失效"
	Amended   = "已修订"
	Proactive = "主动公开"
	OnRequest = "依申请公开"
	Withheld  = "不予公开"

	// 文种, as table 二 of the annual report counts documents.
	DocTypeRule      = "规章"
	DocTypeNormative = "行政规范性文件"
	DocTypeOther     = "其他"

	StateDraft     = "draft"
	StateInReview  = "in_review"
	StatePublished = "published"
)

var (
	kinds        = []string{KindPolicy, KindInterpretation, KindGuide, KindOther}
	docTypes     = []string{DocTypeRule, DocTypeNormative, DocTypeOther}
	validities   = []string{Valid, Repealed, Expired, Amended}
	disclosures  = []string{Proactive, OnRequest, Withheld}
	inputStates  = []string{StatePublished, StateDraft}
	kindNames    = map[string]string{KindPolicy: "政策文件", KindInterpretation: "政策解读", KindGuide: "办事指南", KindOther: "其他"}
	maxTitleRune = 300
)

var stateNames = map[string]string{StateDraft: "是草稿", StateInReview: "在审核中", StatePublished: "已公开"}

// StateName says in Chinese where a document is ("是草稿", "在审核中", "已公开").
func StateName(state string) string { return stateNames[state] }

// KindName returns the Chinese name of a document kind.
func KindName(kind string) string { return kindNames[kind] }

// Document is a catalog item with its resolved agency and category.
type Document struct {
	ID             int64     `db:"id" json:"id"`
	IndexNo        string    `db:"index_no" json:"index_no"`
	Code           string    `db:"code" json:"code"`
	DocNumber      string    `db:"doc_number" json:"doc_number"`
	Title          string    `db:"title" json:"title"`
	AgencyID       int64     `db:"agency_id" json:"agency_id"`
	Agency         string    `db:"agency" json:"agency"`
	CategoryID     int64     `db:"category_id" json:"category_id"`
	Category       string    `db:"category" json:"category"`
	Topic          string    `db:"topic" json:"topic"`
	Kind           string    `db:"kind" json:"kind"`
	DocType        string    `db:"doc_type" json:"doc_type"`
	WrittenAt      Date      `db:"written_at" json:"written_at"`
	PublishedAt    Date      `db:"published_at" json:"published_at"`
	Validity       string    `db:"validity" json:"validity"`
	ReplacedBy     *int64    `db:"replaced_by" json:"replaced_by"`
	Disclosure     string    `db:"disclosure" json:"disclosure"`
	WithheldReason string    `db:"withheld_reason" json:"withheld_reason,omitempty"`
	Interprets     *int64    `db:"interprets" json:"interprets"`
	Body           string    `db:"body" json:"body"`
	State          string    `db:"state" json:"state"`
	UpdatedAt      time.Time `db:"updated_at" json:"updated_at"`
}

// Input is a document as staff or an import file give it: references by
// index_no and agency name, dates as text. Field names are those of the
// import format.
type Input struct {
	IndexNo        string `json:"index_no"`
	DocNumber      string `json:"doc_number"`
	Title          string `json:"title"`
	Agency         string `json:"agency"`
	Category       string `json:"category"`
	Topic          string `json:"topic"`
	WrittenAt      string `json:"written_at"`
	PublishedAt    string `json:"published_at"`
	Validity       string `json:"validity"`
	ReplacedBy     string `json:"replaced_by"`
	Disclosure     string `json:"disclosure"`
	WithheldReason string `json:"withheld_reason"`
	Kind           string `json:"kind"`
	// DocType is the 文种: 规章, 行政规范性文件 or 其他. Empty keeps a
	// document's current 文种 (其他 for a new one).
	DocType    string `json:"doc_type,omitempty"`
	Interprets string `json:"interprets"`
	Body       string `json:"body"`
	State      string `json:"state"`
}

// checked is an Input after the checks that need no database.
type checked struct {
	Input
	written, published Date
	docKey             string
}

// check validates everything that can be validated without the database and
// normalises whitespace. It returns a *FieldError naming the first bad field.
func (s *Store) check(in Input) (checked, error) {
	c := checked{Input: in}
	trimAll(&c.Input)
	if err := checkText(c.Input); err != nil {
		return c, err
	}
	if err := checkEnums(&c.Input); err != nil {
		return c, err
	}
	var err error
	if c.written, err = ParseDate(c.WrittenAt); err != nil {
		return c, fieldErr("written_at", "成文日期%v", err)
	}
	if c.published, err = ParseDate(c.PublishedAt); err != nil {
		return c, fieldErr("published_at", "发布日期%v", err)
	}
	if !c.written.IsZero() && !c.published.IsZero() && c.written.After(c.published.Time) {
		return c, fieldErr("written_at", "成文日期 %s 晚于发布日期 %s", c.WrittenAt, c.PublishedAt)
	}
	if c.State == StatePublished && c.published.IsZero() {
		return c, fieldErr("published_at", "已公开的文件须有发布日期（年-月-日，如 2024-05-08）")
	}
	if c.DocNumber != "" && s.docKey != nil {
		if c.docKey, err = s.docKey(c.DocNumber); err != nil {
			return c, fieldErr("doc_number", "文号 %q 无法识别，应为“机关代字〔年份〕序号号”的形式，如 沂政办发〔2024〕5号", c.DocNumber)
		}
	}
	return c, nil
}

func trimAll(in *Input) {
	for _, p := range []*string{&in.IndexNo, &in.DocNumber, &in.Title, &in.Agency, &in.Category, &in.Topic,
		&in.WrittenAt, &in.PublishedAt, &in.Validity, &in.ReplacedBy, &in.Disclosure, &in.WithheldReason,
		&in.Kind, &in.DocType, &in.Interprets, &in.State} {
		*p = strings.TrimSpace(*p)
	}
	in.Title = strings.Join(strings.Fields(in.Title), " ")
}

func checkText(in Input) error {
	switch {
	case in.IndexNo == "":
		return fieldErr("index_no", "请填写索引号")
	case utf8.RuneCountInString(in.IndexNo) > 64 || strings.IndexFunc(in.IndexNo, unicode.IsSpace) >= 0:
		return fieldErr("index_no", "索引号 %q 最多 64 个字符，且不能有空格", in.IndexNo)
	case in.Title == "":
		return fieldErr("title", "请填写标题")
	case utf8.RuneCountInString(in.Title) > maxTitleRune:
		return fieldErr("title", "标题超过 %d 个字", maxTitleRune)
	case in.Agency == "":
		return fieldErr("agency", "请选择发文机关")
	case in.Category == "":
		return fieldErr("category", "请选择主题分类")
	case !utf8.ValidString(in.Body) || !utf8.ValidString(in.Title):
		return fieldErr("body", "文字编码有误（不是 UTF-8），请从原文重新复制")
	case strings.ContainsRune(in.Body, 0):
		return fieldErr("body", "正文含有不可见的控制字符（NUL），请从原文重新复制")
	}
	return checkNUL(in)
}

// checkNUL refuses a NUL in any field: PostgreSQL text cannot hold one.
func checkNUL(in Input) error {
	for _, f := range []struct{ name, v string }{{"index_no", in.IndexNo}, {"doc_number", in.DocNumber}, {"title", in.Title},
		{"agency", in.Agency}, {"category", in.Category}, {"topic", in.Topic}, {"written_at", in.WrittenAt},
		{"published_at", in.PublishedAt}, {"validity", in.Validity}, {"replaced_by", in.ReplacedBy}, {"disclosure", in.Disclosure},
		{"withheld_reason", in.WithheldReason}, {"kind", in.Kind}, {"doc_type", in.DocType}, {"interprets", in.Interprets},
		{"state", in.State}} {
		if strings.ContainsRune(f.v, 0) {
			return fieldErr(f.name, "含有不可见的控制字符（NUL），请从原文重新复制")
		}
	}
	return nil
}

func checkEnums(in *Input) error {
	if in.Validity == "" {
		in.Validity = Valid
	}
	if in.State == "" {
		in.State = StatePublished
	}
	switch {
	case !oneOf(in.Kind, kinds):
		return fieldErr("kind", "请选择文件类型：policy（政策文件）、interpretation（政策解读）、guide（办事指南）或 other（其他）（%q 无效）", in.Kind)
	case in.DocType != "" && !oneOf(in.DocType, docTypes):
		return fieldErr("doc_type", "请选择文种：规章、行政规范性文件或其他（%q 无效）", in.DocType)
	case !oneOf(in.Validity, validities):
		return fieldErr("validity", "请选择有效性：有效、废止、失效或已修订（%q 无效）", in.Validity)
	case !oneOf(in.Disclosure, disclosures):
		return fieldErr("disclosure", "请选择公开属性：主动公开、依申请公开或不予公开（%q 无效）", in.Disclosure)
	case in.Disclosure == Withheld && in.WithheldReason == "":
		return fieldErr("withheld_reason", "不予公开须逐项写明理由和依据（《政府信息公开条例》要求）")
	case in.Disclosure != Withheld && in.WithheldReason != "":
		return fieldErr("withheld_reason", "只有不予公开的文件才填写不予公开理由")
	case !oneOf(in.State, inputStates):
		return fieldErr("state", "状态只能是 published 或 draft（%q 无效）", in.State)
	case in.Interprets != "" && in.Kind != KindInterpretation:
		return fieldErr("interprets", "只有政策解读才填写所解读的文件；请把文件类型改为政策解读，或清空此项")
	case in.ReplacedBy != "" && in.Validity == Valid:
		return fieldErr("replaced_by", "有效的文件没有替代文件；要填替代文件，请把有效性改为废止、失效或已修订")
	case in.ReplacedBy != "" && in.ReplacedBy == in.IndexNo:
		return fieldErr("replaced_by", "文件不能替代它自己")
	}
	return nil
}

func oneOf(s string, set []string) bool {
	for _, v := range set {
		if s == v {
			return true
		}
	}
	return false
}

// codeAlphabet leaves out 0/o, 1/l/i so a code read off paper is unambiguous.
const codeAlphabet = "23456789abcdefghjkmnpqrstuvwxyz"

// newCode returns a random 8-character public code (31^8 ≈ 8.5·10^11 values),
// so codes of unpublished documents cannot be found by guessing nearby ones.
func newCode() string {
	b := make([]byte, 8)
	rand.Read(b)
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	return string(b)
}
