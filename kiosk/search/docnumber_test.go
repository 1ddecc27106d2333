package search

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDocNumberKey(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", ""},
		{"   ", ""},
		{"沂政办发〔2019〕5号", "沂政办发|2019|5"},
		{"沂政办发[2019]5号", "沂政办发|2019|5"},
		{"沂政办发（2019）5号", "沂政办发|2019|5"},
		{"沂政办发(2019)5号", "沂政办发|2019|5"},
		{"沂政办发【2019】5号", "沂政办发|2019|5"},
		{"沂政办发﹝2019﹞5号", "沂政办发|2019|5"},
		{"沂政办发〔2019〕第5号", "沂政办发|2019|5"},
		{"沂政办发〔2019〕005号", "沂政办发|2019|5"},
		{"沂政办发 〔 2019 〕 5 号", "沂政办发|2019|5"},
		{"沂政办发〔２０１９〕５号", "沂政办发|2019|5"},
		{"沂政办发2019年5号", "沂政办发|2019|5"},
		{"嘉政办发[2017]104号", "嘉政办发|2017|104"},
		{"国办发明电〔2023〕7号", "国办发明电|2023|7"},
		{"[2019]5", "|2019|5"},
		{"（2019）5号", "|2019|5"},
		{"2019年5号", "|2019|5"},
		{"2019年第5号", "|2019|5"},
		{"〔2019〕5号", "|2019|5"},
		{"省政府令第268号", "省政府令||268"},
		{"ABC发[2020]3号", "abc发|2020|3"},
	}
	for _, tt := range tests {
		got, err := DocNumberKey(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("DocNumberKey(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestDocNumberKeyRejects(t *testing.T) {
	for _, in := range []string{
		"沂政办发", "2019", "20195", "沂政办发20195号", "第5号", "沂政办发〔2019〕", "沂政办发〔2019〕0号",
		"沂政办发〔1800〕5号", "hello", "沂政办发〔2019〕5号文件", "〔2019〕号", "沂政办发〔19〕5号",
	} {
		if got, err := DocNumberKey(in); !errors.Is(err, ErrDocNumber) {
			t.Errorf("DocNumberKey(%q) = %q, %v; want ErrDocNumber", in, got, err)
		}
	}
}

func TestYearNumberKey(t *testing.T) {
	for in, want := range map[string]string{"沂政办发|2019|5": "2019|5", "|2019|5": "2019|5", "令||3": "|3", "x": ""} {
		if got := YearNumberKey(in); got != want {
			t.Errorf("YearNumberKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDocNumberQuery(t *testing.T) {
	for in, want := range map[string]bool{
		"沂政办发〔2019〕": true, "沂政办发〔2019〕5号": true, "[2019]5": true, "2019年": false,
		"沂源县2019年": false, "低保": false, "2019": false,
	} {
		if _, got := docNumberQuery(in); got != want {
			t.Errorf("docNumberQuery(%q) = %v, want %v", in, got, want)
		}
	}
}

// FuzzDocNumberKey checks that keys are stable across bracket styles and
// always well formed.
func FuzzDocNumberKey(f *testing.F) {
	for _, s := range []string{"沂政办发〔2019〕5号", "[2019]5", "（2019）5号", "2019年5号", "嘉政办发[2017]104号", "省政府令第268号", "", "〔", "2019年"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		key, err := DocNumberKey(s)
		if err != nil {
			if !errors.Is(err, ErrDocNumber) {
				t.Fatalf("DocNumberKey(%q): unexpected error %v", s, err)
			}
			return
		}
		if key == "" {
			if strings.TrimSpace(s) != "" {
				t.Fatalf("DocNumberKey(%q) = empty key without error", s)
			}
			return
		}
		parts := strings.Split(key, "|")
		if len(parts) != 3 || parts[2] == "" || strings.HasPrefix(parts[2], "0") || !utf8.ValidString(key) {
			t.Fatalf("DocNumberKey(%q) = %q: malformed", s, key)
		}
		// Every bracket style of the same 文号 gives the same key.
		if parts[1] != "" {
			for _, form := range []string{"%s〔%s〕%s号", "%s[%s]%s", "%s（%s）第%s号", "%s%s年%s号"} {
				alt := strings.Replace(strings.Replace(strings.Replace(form, "%s", parts[0], 1), "%s", parts[1], 1), "%s", parts[2], 1)
				if k2, err := DocNumberKey(alt); err != nil || k2 != key {
					t.Fatalf("DocNumberKey(%q) = %q, %v; want %q as for %q", alt, k2, err, key, s)
				}
			}
		}
	})
}
