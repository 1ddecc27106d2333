package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestIMEEndpoint asks the pinyin input for candidates as the kiosk does.
func TestIMEEndpoint(t *testing.T) {
	f := newFixture(t)
	var got struct {
		Q     string `json:"q"`
		Items []struct {
			Text string `json:"text"`
			Len  int    `json:"len"`
		} `json:"items"`
	}
	get := func(path string) int {
		t.Helper()
		st, body := f.do("GET", path, "", "")
		got.Items = nil
		if st == http.StatusOK {
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("%s: %v: %s", path, err, body)
			}
		}
		return st
	}
	if st := get("/api/v1/ime?q=ZhangSan&mode=name&first=1"); st != 200 || got.Q != "zhangsan" || len(got.Items) == 0 || got.Items[0].Text != "张三" || got.Items[0].Len != 8 {
		t.Fatalf("zhangsan for a name: %d %+v", st, got)
	}
	if st := get("/api/v1/ime?q=zhang&mode=name&first=1&limit=5"); st != 200 || len(got.Items) != 5 || got.Items[0].Text != "张" {
		t.Errorf("zhang for a surname: %d %+v", st, got.Items)
	}
	if st := get("/api/v1/ime?q=dibao"); st != 200 || got.Items[0].Text != "低保" {
		t.Errorf("dibao: %d %+v", st, got.Items)
	}
	if st := get("/api/v1/ime?q="); st != 200 || len(got.Items) != 0 {
		t.Errorf("empty q: %d %+v", st, got.Items)
	}
	st, body := f.do("GET", "/api/v1/ime?q="+strings.Repeat("a", 40), "", "")
	if st != 400 || !strings.Contains(body, `"field":"q"`) {
		t.Errorf("40 letters: %d %s", st, body)
	}
	st, body = f.do("GET", "/api/v1/ime?q=%E5%BC%A0", "", "")
	if st != 400 || !strings.Contains(body, "拼音字母") {
		t.Errorf("a Chinese character as q: %d %s", st, body)
	}
}
