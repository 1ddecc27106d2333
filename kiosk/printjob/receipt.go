package printjob

import "time"

// Receipt is the 回执 of an application for government information (or
// any tracked query) submitted at a kiosk: what the applicant needs to
// follow it, and nothing personal — a receipt left at the printer tells
// nobody who applied or for what.
type Receipt struct {
	Code        string    // 查询码, ten digits
	Department  string    // 受理机关
	SubmittedAt time.Time // when it was received
	// DueAt is the deadline of the reply; Provisional when the calendar of
	// its year is not published yet.
	DueAt       time.Time
	Provisional bool
	// URL is the public status page of the code, printed as the QR code.
	URL       string
	PrintedAt time.Time
	Place     string
}

func (r Receipt) validate() error {
	if len(cleanText(r.Code)) == 0 {
		return fieldErr("code", "empty: a receipt needs the 查询码")
	}
	if err := checkURL("url", r.URL); err != nil {
		return err
	}
	if r.PrintedAt.IsZero() {
		return fieldErr("printed_at", "not set")
	}
	return nil
}

// BuildReceipt returns the ESC/POS job that prints r on a printer
// described by p; it fails as Build does.
func (b *Builder) BuildReceipt(r Receipt, p Profile) ([]byte, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := r.validate(); err != nil {
		return nil, err
	}
	j := &slipJob{p: p, cs: newCharset(p.Encoding), paint: &painter{fonts: b.fonts}}
	j.w.reset(p)
	j.para("", "政府信息公开申请 · 回执", style{center: true, bold: true}, 1)
	j.rule()
	j.para("查询码：", groupDigits(trimmed(r.Code)), style{bold: true}, 1)
	j.para("受理机关：", trimmed(r.Department), style{}, fieldLines)
	if !r.SubmittedAt.IsZero() {
		j.para("提交时间：", chinaTime(r.SubmittedAt).Format("2006-01-02 15:04"), style{}, 1)
	}
	if !r.DueAt.IsZero() {
		due := chineseDate(chinaTime(r.DueAt)) + "前"
		if r.Provisional {
			due += "（暂定）"
		}
		j.para("答复期限：", due, style{bold: true}, 1)
	}
	j.para("", "凭查询码可在政务公开查询机“查询办理进度”、政府网站查询，或拨打 96128 咨询。", style{}, fieldLines)
	j.para("", "手机扫码查看办理进度", style{center: true}, 1)
	if err := j.qrCode(r.URL); err != nil {
		return nil, err
	}
	j.para("", r.URL, style{center: true}, fieldLines)
	j.rule()
	j.para("打印时间：", chinaTime(r.PrintedAt).Format("2006-01-02 15:04"), style{}, 1)
	j.para("打印地点：", trimmed(r.Place), style{}, footerLines)
	j.para("", "本回执不含申请人的个人信息，请妥善保管查询码。", style{}, footerLines)
	j.w.finish(p)
	return j.w.b.Bytes(), nil
}

// groupDigits writes a 查询码 in groups of four: 1234 5678 90.
func groupDigits(s string) string {
	rs := []rune(s)
	out := make([]rune, 0, len(rs)+len(rs)/4)
	for i, r := range rs {
		if i > 0 && i%4 == 0 {
			out = append(out, ' ')
		}
		out = append(out, r)
	}
	return string(out)
}
