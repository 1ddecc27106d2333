package calls

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestNotesAndWrapUp(t *testing.T) {
	s, db := seed(t)
	ctx := context.Background()
	op1, op2 := accountID(t, db, "op1"), accountID(t, db, "op2")
	t0 := time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)
	id, err := s.StartCall(ctx, NewCall{SIPCallID: "n1@host", Caller: "13812345678", Callee: "96128", Transport: "UDP", At: t0})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		call      int64
		note      string
		wantErr   error
		wantField string
	}{
		{"a note", id, "来电人询问低保标准", nil, ""},
		{"empty", id, "  ", ErrInvalid, "note"},
		{"too long", id, strings.Repeat("字", maxNote+1), ErrInvalid, "note"},
		{"no such call", id + 99, "x", ErrNotFound, ""},
	}
	for _, tt := range tests {
		_, err := s.AddNote(ctx, tt.call, op1, tt.note)
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.wantErr)
		}
		var fe *FieldError
		if tt.wantField != "" && (!errors.As(err, &fe) || fe.Field != tt.wantField) {
			t.Errorf("%s: err = %v, want a field error on %s", tt.name, err, tt.wantField)
		}
	}
	if _, err := s.WrapUp(ctx, id, op1, "no_such_code", ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown wrap-up code: %v", err)
	}
	if _, err := s.WrapUp(ctx, id, op1, "query", "已登记查询单"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WrapUp(ctx, id, op1, "answered", ""); !errors.Is(err, ErrConflict) {
		t.Errorf("second wrap-up by the same operator: %v, want ErrConflict", err)
	}
	if _, err := s.WrapUp(ctx, id, op2, "transferred", ""); err != nil {
		t.Errorf("a second operator's wrap-up of a transferred call: %v", err)
	}
	ns, err := s.Notes(ctx, id)
	if err != nil || len(ns) != 3 || ns[0].Username != "op1" || ns[1].Label != "已登记查询单" || ns[1].Kind != "wrapup" {
		t.Errorf("notes = %+v, %v", ns, err)
	}
	codes, _ := s.WrapUpCodes(ctx)
	if len(codes) < 5 || codes[0].Code != "answered" {
		t.Errorf("wrap-up codes = %+v", codes)
	}
}

func TestPauseReasonsAndEarlierCalls(t *testing.T) {
	s, db := seed(t)
	ctx := context.Background()
	op1 := accountID(t, db, "op1")
	rs, err := s.PauseReasons(ctx)
	if err != nil || len(rs) == 0 || rs[0].Label != "小休" {
		t.Fatalf("pause reasons = %+v, %v", rs, err)
	}
	added, err := s.AddPauseReason(ctx, "接听回访电话")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddPauseReason(ctx, ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty pause reason: %v", err)
	}
	if err := s.DisablePauseReason(ctx, added.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DisablePauseReason(ctx, 99999); !errors.Is(err, ErrNotFound) {
		t.Errorf("disable unknown: %v", err)
	}
	t0 := time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)
	if err := s.SaveOperatorState(ctx, op1, "paused", t0); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPauseReason(ctx, op1, "接听回访电话"); !errors.Is(err, ErrInvalid) {
		t.Errorf("a disabled reason was accepted: %v", err)
	}
	if err := s.SetPauseReason(ctx, op1, "用餐"); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.PauseReason(ctx, op1); r != "用餐" {
		t.Errorf("pause reason = %q", r)
	}
	var ids []int64
	for i, caller := range []string{"13812345678", "13812345678", "1001", "13812345678"} {
		id, err := s.StartCall(ctx, NewCall{SIPCallID: "e" + string(rune('a'+i)) + "@host", Caller: caller, At: t0.Add(time.Duration(i) * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	got, err := s.CallsFrom(ctx, "13812345678", ids[3], 10)
	if err != nil || len(got) != 2 || got[0].ID != ids[1] || got[1].ID != ids[0] {
		t.Errorf("earlier calls = %+v, %v; want %d then %d", got, err, ids[1], ids[0])
	}
}
