package applications

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/queries"
)

// Limits on what an application may say, in characters.
const (
	MaxName        = 100 // a person's or organisation's name
	MaxInformation = 2000
	MaxPurpose     = 500
	MaxAddress     = 200
	MaxText        = 5000 // a decision's text
	MaxNote        = 1000
)

// NewApplication is an application as the kiosk, the web form or staff at
// a window (or opening a letter) enter it. The JSON names are the public
// contract of POST /api/v1/applications.
type NewApplication struct {
	Department    string `json:"department"`     // code or name of the agency applied to
	Channel       string `json:"channel"`        // kiosk, web; staff: window, post
	ApplicantType string `json:"applicant_type"` // natural, or the organisation's type (commercial, research, …)
	Name          string `json:"name"`           // the person's or the organisation's name
	IDType        string `json:"id_type"`        // a person's identity document (IDTypes)
	IDNumber      string `json:"id_number"`
	CreditCode    string `json:"credit_code"`    // an organisation's 统一社会信用代码
	ContactPerson string `json:"contact_person"` // an organisation's 联系人
	Phone         string `json:"phone"`
	Address       string `json:"address"`
	Email         string `json:"email"`
	Information   string `json:"information"` // the information asked for (名称、文号或者特征性描述)
	Purpose       string `json:"purpose"`
	Delivery      string `json:"delivery"` // paper, electronic, post
	Pickup        string `json:"pickup"`   // window, post, email, online
	// ReceivedOn is the day a letter arrived (YYYY-MM-DD), staff and post
	// only; its clock starts that day.
	ReceivedOn string `json:"received_on,omitempty"`
}

func fieldErr(field, format string, args ...any) error {
	return &queries.FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

func conflict(format string, args ...any) error {
	return fmt.Errorf("%w: %s", queries.ErrConflict, fmt.Sprintf(format, args...))
}

func forbidden(format string, args ...any) error {
	return fmt.Errorf("%w: %s", queries.ErrForbidden, fmt.Sprintf(format, args...))
}

var emailRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s.]+$`)

// clean trims every field and upper-cases the numbers.
func (in *NewApplication) clean() {
	for _, p := range []*string{&in.Department, &in.Channel, &in.ApplicantType, &in.Name, &in.IDType, &in.IDNumber, &in.CreditCode,
		&in.ContactPerson, &in.Phone, &in.Address, &in.Email, &in.Information, &in.Purpose, &in.Delivery, &in.Pickup, &in.ReceivedOn} {
		*p = strings.TrimSpace(*p)
	}
	in.IDNumber = strings.ToUpper(strings.ReplaceAll(in.IDNumber, " ", ""))
	in.CreditCode = strings.ToUpper(strings.ReplaceAll(in.CreditCode, " ", ""))
}

// validate checks an application field by field, in the order of the
// form, and returns the first problem as a *queries.FieldError that says
// what to do. staff tells whether window and post may be used; now dates
// a letter.
func (in *NewApplication) validate(staff bool, now time.Time) (received time.Time, err error) {
	in.clean()
	switch {
	case in.Department == "":
		return received, fieldErr("department", "请选择受理申请的行政机关")
	case staff && in.Channel != "window" && in.Channel != "post":
		return received, fieldErr("channel", "工作人员登记的申请请选择“服务窗口当面提交”（window）或“信函”（post）")
	case !staff && in.Channel != "kiosk" && in.Channel != "web":
		return received, fieldErr("channel", "网上提交请选择 kiosk（查询终端）或 web（政府网站）；当面和信函申请由工作人员登记")
	case !known(ApplicantTypes, in.ApplicantType):
		return received, fieldErr("applicant_type", "请选择申请人类型：自然人，或法人或其他组织的类型（商业企业、科研机构、社会公益组织、法律服务机构、其他）")
	}
	if err := in.checkApplicant(); err != nil {
		return received, err
	}
	if err := in.checkContact(); err != nil {
		return received, err
	}
	switch {
	case in.Information == "":
		return received, fieldErr("information", "请写明所需政府信息的名称、文号，或者便于查找的特征性描述")
	case utf8.RuneCountInString(in.Information) > MaxInformation:
		return received, fieldErr("information", "所需信息的描述不能超过%d个字", MaxInformation)
	case utf8.RuneCountInString(in.Purpose) > MaxPurpose:
		return received, fieldErr("purpose", "用途不能超过%d个字", MaxPurpose)
	}
	if err := in.checkDelivery(); err != nil {
		return received, err
	}
	return in.receivedAt(now)
}

func (in *NewApplication) checkApplicant() error {
	n := utf8.RuneCountInString(in.Name)
	if in.ApplicantType == Natural {
		switch {
		case in.Name == "":
			return fieldErr("name", "请填写申请人姓名")
		case n > 50:
			return fieldErr("name", "姓名不能超过50个字")
		case in.CreditCode != "":
			return fieldErr("credit_code", "自然人申请无需填写统一社会信用代码")
		case in.IDType == "":
			return fieldErr("id_type", "请选择身份证件类型")
		case !known(IDTypes, in.IDType):
			return fieldErr("id_type", "“%s”不是可选的证件类型：请选择居民身份证、护照、港澳或台湾居民通行证、外国人永久居留身份证或其他有效身份证件", in.IDType)
		}
		return checkIDNumber(in.IDType, in.IDNumber)
	}
	switch {
	case in.Name == "":
		return fieldErr("name", "请填写法人或其他组织的名称（与营业执照或登记证书一致）")
	case n > MaxName:
		return fieldErr("name", "名称不能超过%d个字", MaxName)
	case in.CreditCode == "":
		return fieldErr("credit_code", "请填写18位统一社会信用代码（见营业执照或登记证书）")
	}
	if err := CheckCreditCode(in.CreditCode); err != nil {
		return err
	}
	switch {
	case in.ContactPerson == "":
		return fieldErr("contact_person", "请填写联系人姓名")
	case utf8.RuneCountInString(in.ContactPerson) > 50:
		return fieldErr("contact_person", "联系人姓名不能超过50个字")
	case in.IDType != "" && !known(IDTypes, in.IDType):
		return fieldErr("id_type", "“%s”不是可选的证件类型", in.IDType)
	case in.IDNumber != "" && in.IDType == "":
		return fieldErr("id_type", "填写了联系人的证件号码，请同时选择证件类型")
	case in.IDNumber != "":
		return checkIDNumber(in.IDType, in.IDNumber)
	}
	return nil
}

func (in *NewApplication) checkContact() error {
	if in.Phone == "" {
		return fieldErr("phone", "请填写联系电话，以便补正或答复时联系您")
	}
	digits := 0
	for _, r := range in.Phone {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' || r == '-' || r == ' ':
		default:
			return fieldErr("phone", "电话号码只能包含数字、空格、“+”和“-”")
		}
	}
	switch {
	case digits < 7 || len(in.Phone) > queries.MaxPhone:
		return fieldErr("phone", "请填写7到%d位的电话号码，如 13812345678 或 0533-3241001", queries.MaxPhone)
	case utf8.RuneCountInString(in.Address) > MaxAddress:
		return fieldErr("address", "通信地址不能超过%d个字", MaxAddress)
	case in.Email != "" && (!emailRE.MatchString(in.Email) || len(in.Email) > 100):
		return fieldErr("email", "电子邮箱格式不正确，应如 name@example.com")
	}
	return nil
}

func (in *NewApplication) checkDelivery() error {
	switch {
	case !known(Deliveries, in.Delivery):
		return fieldErr("delivery", "请选择所需信息的提供形式：纸质、电子或邮寄")
	case !known(Pickups, in.Pickup):
		return fieldErr("pickup", "请选择获取信息的方式：当面领取、邮寄、电子邮件或网上获取")
	case in.Delivery == "paper" && in.Pickup != "window" && in.Pickup != "post":
		return fieldErr("pickup", "纸质材料请选择当面领取或邮寄")
	case in.Delivery == "post" && in.Pickup != "post":
		return fieldErr("pickup", "选择邮寄提供时，获取方式请选择邮寄")
	case in.Delivery == "electronic" && in.Pickup == "post":
		return fieldErr("pickup", "电子形式请选择电子邮件、网上获取或当面领取（存储介质）")
	case (in.Pickup == "post" || in.Delivery == "post") && in.Address == "":
		return fieldErr("address", "邮寄需要通信地址：请填写收件地址和邮政编码")
	case in.Pickup == "email" && in.Email == "":
		return fieldErr("email", "以电子邮件获取，请填写电子邮箱")
	}
	return nil
}

// receivedAt is when the application was received: now, or for a letter
// the day it arrived (at the start of that day; today: now).
func (in *NewApplication) receivedAt(now time.Time) (time.Time, error) {
	if in.Channel != "post" {
		if in.ReceivedOn != "" {
			return time.Time{}, fieldErr("received_on", "只有信函申请需要填写收到日期")
		}
		return now, nil
	}
	if in.ReceivedOn == "" {
		return time.Time{}, fieldErr("received_on", "请填写收到信函的日期（YYYY-MM-DD）")
	}
	d, err := calendar.ParseDate(in.ReceivedOn)
	if err != nil {
		return time.Time{}, fieldErr("received_on", "收到日期应写作 YYYY-MM-DD，如 2025-12-25")
	}
	today := calendar.DateOf(now)
	switch {
	case d.After(today):
		return time.Time{}, fieldErr("received_on", "收到日期不能晚于今天（%s）", today)
	case d.Before(today.AddDays(-366)):
		return time.Time{}, fieldErr("received_on", "收到日期早于一年前，请核对日期")
	case d == today:
		return now, nil
	}
	return d.At(0), nil
}

// ID numbers.

var (
	residentIDRE = regexp.MustCompile(`^[1-9]\d{16}[\dX]$`)
	otherIDRE    = regexp.MustCompile(`^[A-Z0-9()（）-]{5,30}$`)
)

func checkIDNumber(idType, n string) error {
	switch {
	case n == "":
		return fieldErr("id_number", "请填写证件号码")
	case idType == "resident_id":
		return CheckResidentID(n)
	case !otherIDRE.MatchString(n):
		return fieldErr("id_number", "证件号码应为5到30位字母或数字")
	}
	return nil
}

// residentWeights are the weights of GB 11643-1999's check digit (ISO 7064
// MOD 11-2).
var residentWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// CheckResidentID checks an 18-digit 居民身份证 number: its form, its date
// of birth and its check digit. It fails with a *queries.FieldError for
// id_number that says which.
func CheckResidentID(n string) error {
	if !residentIDRE.MatchString(n) {
		return fieldErr("id_number", "居民身份证号码应为18位，前17位是数字，最后一位是数字或X")
	}
	if _, err := time.Parse("20060102", n[6:14]); err != nil || n[6:8] < "19" || n[6:14] > time.Now().Format("20060102") {
		return fieldErr("id_number", "居民身份证号码第7到14位的出生日期“%s”不正确，请核对", n[6:14])
	}
	sum := 0
	for i, w := range residentWeights {
		sum += int(n[i]-'0') * w
	}
	if want := "10X98765432"[sum%11]; n[17] != want {
		return fieldErr("id_number", "居民身份证号码校验位不符，请逐位核对（常见原因：输错一位或两位数字颠倒）")
	}
	return nil
}

// creditChars are the characters of a 统一社会信用代码 (GB 32100-2015: no
// I, O, S, V, Z), in the order of their values.
const creditChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var creditWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// CheckCreditCode checks a 18-character 统一社会信用代码: its characters,
// its 6-digit administrative division and its check character (GB
// 32100-2015). It fails with a *queries.FieldError for credit_code.
func CheckCreditCode(c string) error {
	if utf8.RuneCountInString(c) != 18 {
		return fieldErr("credit_code", "统一社会信用代码应为18位（现在是%d位）", utf8.RuneCountInString(c))
	}
	sum, i := 0, 0
	for at, r := range c { // by character: a Chinese or full-width one is quoted whole
		v := strings.IndexRune(creditChars, r)
		if v < 0 {
			if _, size := utf8.DecodeRuneInString(c[at:]); r == utf8.RuneError && size == 1 { // not UTF-8: nothing to quote
				return fieldErr("credit_code", "统一社会信用代码第%d位不是有效字符，请重新输入", i+1)
			}
			return fieldErr("credit_code", "统一社会信用代码第%d位“%c”不是有效字符（不使用 I、O、S、V、Z）", i+1, r)
		}
		if i >= 2 && i < 8 && v > 9 {
			return fieldErr("credit_code", "统一社会信用代码第3到8位是行政区划代码，应为数字")
		}
		if i < 17 {
			sum += v * creditWeights[i]
		}
		i++
	}
	if want := creditChars[(31-sum%31)%31]; c[17] != want { // every character was one byte of creditChars
		return fieldErr("credit_code", "统一社会信用代码校验位不符，请对照营业执照逐位核对")
	}
	return nil
}
