package printjob_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/govhall/govhall/kiosk/printjob"
)

func sampleReceipt() printjob.Receipt {
	return printjob.Receipt{
		Code: "1234567894", Department: "沂源县医疗保障局",
		SubmittedAt: time.Date(2025, 3, 3, 2, 5, 0, 0, time.UTC), DueAt: time.Date(2025, 3, 31, 9, 30, 0, 0, time.UTC),
		URL: "https://zwgk.example.gov.cn/apply/status?code=1234567894", PrintedAt: time.Date(2025, 3, 3, 2, 6, 0, 0, time.UTC),
		Place: "县政务服务中心一楼查询机",
	}
}

// TestReceipt prints an application's receipt on every profile: the QR code
// reads back as the status page, the 查询码 is printed in groups and the
// due date in China time.
func TestReceipt(t *testing.T) {
	for _, p := range printjob.Profiles() {
		t.Run(p.Name, func(t *testing.T) {
			r := sampleReceipt()
			job, err := builder(t).BuildReceipt(r, p)
			if err != nil {
				t.Fatal(err)
			}
			po, err := interpret(job, p)
			if err != nil {
				t.Fatalf("interpret: %v", err)
			}
			if got := zbarimg(t, po.image()); len(got) != 1 || got[0] != r.URL {
				t.Errorf("QR code reads %q, want %q", got, r.URL)
			}
			var text []string
			for _, l := range po.lines {
				text = append(text, l.text)
			}
			all := strings.Join(text, "\n")
			for _, want := range []string{"回执", "查询码：1234 5678 94", "沂源县医疗保障局", "2025年3月31日前", "2025-03-03 10:05"} {
				if !strings.Contains(all, want) {
					t.Errorf("receipt lacks %q:\n%s", want, all)
				}
			}
		})
	}
}

func TestReceiptRefusals(t *testing.T) {
	p := mustProfile(t, "generic-58")
	for field, r := range map[string]printjob.Receipt{
		"code": func() printjob.Receipt { r := sampleReceipt(); r.Code = ""; return r }(),
		"url":  func() printjob.Receipt { r := sampleReceipt(); r.URL = "/apply/status"; return r }(),
	} {
		_, err := builder(t).BuildReceipt(r, p)
		var fe *printjob.FieldError
		if !errors.As(err, &fe) || fe.Field != field {
			t.Errorf("receipt without %s: %v", field, err)
		}
	}
}
