package queries

import (
	"testing"
	"time"
)

func TestMask(t *testing.T) {
	names := map[string]string{"张三": "张*", "欧阳修": "欧**", "李": "*", "": "", " 王五 ": "王*"}
	for in, want := range names {
		if got := MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
	phones := map[string]string{"13812345678": "138****5678", "138-1234-5678": "138****5678",
		"0533-3241001": "053****1001", "12345": "***45", "": ""}
	for in, want := range phones {
		if got := MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedact(t *testing.T) {
	tests := []struct{ in, name, phone, want string }{
		{"我是张三，电话13812345678", "张三", "13812345678", "我是张*，电话138****5678"},
		{"请拨打139 0000 1111联系", "", "", "请拨打139****1111联系"},
		{"身份证370323199001011234", "", "", "身份证370323********1234"},
		{"部门电话0533-3241001", "", "", "部门电话053****1001"},
		{"没有个人信息", "张三", "", "没有个人信息"},
	}
	for _, tt := range tests {
		if got := Redact(tt.in, tt.name, tt.phone); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := Redact("咨询0533-3241001", "", "", "0533-3241001"); got != "咨询0533-3241001" {
		t.Errorf("a kept number was masked: %q", got)
	}
}

func TestLimiter(t *testing.T) {
	l := NewLimiter(6*time.Second, 3)
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3 {
		if ok, _ := l.Allow("a", t0); !ok {
			t.Fatalf("lookup %d refused within the burst", i+1)
		}
	}
	ok, wait := l.Allow("a", t0)
	if ok || wait != 6*time.Second {
		t.Fatalf("4th lookup = %v, wait %s; want refused, 6s", ok, wait)
	}
	if ok, _ := l.Allow("b", t0); !ok {
		t.Error("another client was refused")
	}
	if ok, _ := l.Allow("a", t0.Add(3*time.Second)); ok {
		t.Error("allowed after half the refill time")
	}
	if ok, _ := l.Allow("a", t0.Add(6*time.Second)); !ok {
		t.Error("refused after the refill time")
	}
}
