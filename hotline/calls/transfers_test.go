package calls

import (
	"context"
	"errors"
	"testing"
	"time"
)

// An attended transfer keeps its steps: the liaison's answer, the
// three-way call, the end; the ring-all legs point at it; holds are listed
// with who held.
func TestAttendedTransferRecord(t *testing.T) {
	s, db := seed(t)
	ctx := context.Background()
	t0 := time.Date(2025, 9, 30, 10, 0, 0, 0, time.UTC)
	op, err := s.SaveSIPAccount(ctx, NewSIPAccount{Extension: "8001", Realm: "r", Password: "p", Username: "op1", Kind: KindOperator})
	must(t, err)
	li, err := s.SaveSIPAccount(ctx, NewSIPAccount{Extension: "8101", Realm: "r", Password: "p", Username: "liaison1", Kind: KindLiaison, Department: "mzj"})
	must(t, err)
	id, err := s.StartCall(ctx, NewCall{SIPCallID: "att@host", Caller: "13812345678", At: t0})
	must(t, err)
	opLeg, err := s.StartLeg(ctx, NewLeg{CallID: id, Party: KindOperator, SIPAccountID: op.ID, AccountID: op.AccountID, Extension: "8001", At: t0})
	must(t, err)
	must(t, s.LegAnswered(ctx, opLeg, t0.Add(time.Second)))
	hold, err := s.StartHold(ctx, id, opLeg, op.AccountID, t0.Add(10*time.Second))
	must(t, err)
	must(t, s.EndHold(ctx, hold, t0.Add(20*time.Second)))
	if err := s.EndHold(ctx, hold, t0.Add(21*time.Second)); !errors.Is(err, ErrNotFound) {
		t.Errorf("ending a hold twice: %v", err)
	}
	tr, err := s.StartTransfer(ctx, NewTransfer{CallID: id, DepartmentID: mustDept(t, s, "mzj").ID, Method: MethodAttended,
		RingStrategy: RingAll, RequestedBy: op.AccountID, FromLegID: opLeg, At: t0.Add(30 * time.Second)})
	must(t, err)
	liLeg, err := s.StartLeg(ctx, NewLeg{CallID: id, Party: KindLiaison, SIPAccountID: li.ID, AccountID: li.AccountID,
		DepartmentID: li.DepartmentID, TransferID: tr, Extension: "8101", At: t0.Add(30 * time.Second)})
	must(t, err)
	must(t, s.LegAnswered(ctx, liLeg, t0.Add(35*time.Second)))
	must(t, s.TransferAnswered(ctx, tr, t0.Add(35*time.Second), liLeg))
	must(t, s.TransferThreeWay(ctx, tr, t0.Add(50*time.Second)))
	must(t, s.EndLeg(ctx, opLeg, t0.Add(60*time.Second), LegAnswered, "transfer"))
	must(t, s.FinishTransfer(ctx, tr, t0.Add(60*time.Second), TransferCompleted, 0, ""))
	if err := s.TransferThreeWay(ctx, tr, t0.Add(61*time.Second)); !errors.Is(err, ErrNotFound) {
		t.Errorf("a step after the end: %v", err)
	}
	must(t, s.EndLeg(ctx, liLeg, t0.Add(90*time.Second), LegAnswered, "console"))
	c, err := s.Call(ctx, id)
	must(t, err)
	got := c.Transfers[0]
	if got.Method != MethodAttended || got.Strategy != RingAll || got.Result != TransferCompleted ||
		got.AnsweredAt == nil || !got.AnsweredAt.Equal(t0.Add(35*time.Second)) ||
		got.ThreeWayAt == nil || !got.ThreeWayAt.Equal(t0.Add(50*time.Second)) || got.FinishedAt == nil {
		t.Fatalf("transfer %+v", got)
	}
	if len(c.Legs) != 2 || c.Legs[1].TransferID == nil || *c.Legs[1].TransferID != tr || c.Legs[0].TransferID != nil || c.Legs[1].EndedBy != "console" {
		t.Fatalf("legs %+v", c.Legs)
	}
	if len(c.Holds) != 1 || c.Holds[0].By != "op1" || c.Holds[0].EndedAt == nil || c.Holds[0].EndedAt.Sub(c.Holds[0].StartedAt) != 10*time.Second {
		t.Fatalf("holds %+v", c.Holds)
	}
	var toLeg int64
	db.Get(&toLeg, `SELECT to_leg_id FROM call_transfers WHERE id = $1`, tr)
	if toLeg != liLeg {
		t.Errorf("to_leg_id %d, want %d", toLeg, liLeg)
	}
}

// A department rings in order until set to ring all; a liaison away is
// marked on every phone of theirs.
func TestRingStrategyAndAvailability(t *testing.T) {
	s, db := seed(t)
	ctx := context.Background()
	if d := mustDept(t, s, "mzj"); d.RingStrategy != RingOrder {
		t.Fatalf("default strategy %q", d.RingStrategy)
	}
	must(t, s.SetRingStrategy(ctx, "mzj", RingAll))
	if d := mustDept(t, s, "mzj"); d.RingStrategy != RingAll {
		t.Fatalf("strategy %q after setting all", d.RingStrategy)
	}
	var fe *FieldError
	if err := s.SetRingStrategy(ctx, "mzj", "random"); !errors.As(err, &fe) || fe.Field != "ring_strategy" {
		t.Errorf("bad strategy: %v", err)
	}
	if err := s.SetRingStrategy(ctx, "nope", RingAll); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown department: %v", err)
	}
	_, err := s.SaveSIPAccount(ctx, NewSIPAccount{Extension: "8101", Realm: "r", Password: "p", Username: "liaison1", Kind: KindLiaison, Department: "mzj"})
	must(t, err)
	liaison := accountID(t, db, "liaison1")
	must(t, s.SetLiaisonAvailability(ctx, liaison, false))
	if a, _ := s.SIPAccount(ctx, "8101"); !a.Away {
		t.Fatal("liaison not away")
	}
	must(t, s.SetLiaisonAvailability(ctx, liaison, true))
	if a, _ := s.SIPAccount(ctx, "8101"); a.Away {
		t.Fatal("liaison still away")
	}
	if err := s.SetLiaisonAvailability(ctx, accountID(t, db, "op1"), false); !errors.Is(err, ErrNotFound) {
		t.Errorf("an operator without a liaison phone: %v", err)
	}
}
