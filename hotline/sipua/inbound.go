package sipua

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// Inbound is the caller's leg: an INVITE to the hotline number, answered
// by govhall.
type Inbound struct {
	legHooks
	srv      *Server
	dlg      *sipgo.DialogServerSession
	contact  sip.ContactHeader
	answered atomic.Bool

	CallID     string // SIP Call-ID
	Caller     string // From user part (the caller's number)
	FromTag    string // From tag: with CallID it names the caller's dialog
	CallerName string // From display name
	Callee     string // Request-URI user
	Transport  string // UDP or TCP
	Source     string // ip:port the INVITE came from
	Offer      []byte // the SDP offer (may be empty), taken out of a multipart body
}

func newInbound(s *Server, req *sip.Request, tx sip.ServerTransaction) (*Inbound, error) {
	dua := s.dialogUA(req.Transport())
	dlg, err := dua.ReadInvite(req, tx)
	if err != nil {
		return nil, err
	}
	offer, _ := sdpOf(req) // check refused a body without one
	c := &Inbound{srv: s, dlg: dlg, contact: dua.ContactHDR, CallID: callID(req), Caller: fromUser(req),
		Callee: userOf(req.Recipient), Transport: req.Transport(), Source: req.Source(), Offer: offer}
	if f := req.From(); f != nil {
		c.CallerName = f.DisplayName
		c.FromTag, _ = f.Params.Get("tag")
	}
	return c, nil
}

// Context ends when the caller hangs up (BYE, or CANCEL before the answer)
// or the call is otherwise over.
func (c *Inbound) Context() context.Context { return c.dlg.Context() }

// Ringing sends 180 Ringing.
func (c *Inbound) Ringing() error {
	if err := c.dlg.Respond(180, "Ringing", nil); err != nil {
		return fmt.Errorf("sipua: ringing %s: %w", c.CallID, err)
	}
	return nil
}

// Answer sends 200 OK with our SDP and waits for the ACK (retransmitting
// the 200 meanwhile, for up to 32 s).
func (c *Inbound) Answer(sdp []byte) error {
	if err := c.dlg.RespondSDP(sdp); err != nil {
		return fmt.Errorf("sipua: answer %s: %w", c.CallID, err)
	}
	c.answered.Store(true)
	return nil
}

// Reject answers the INVITE with a final error status.
func (c *Inbound) Reject(code int, reason string, hdrs ...sip.Header) error {
	if err := c.dlg.Respond(code, reason, nil, hdrs...); err != nil {
		return fmt.Errorf("sipua: reject %s with %d: %w", c.CallID, code, err)
	}
	return nil
}

// Answered reports whether the call was answered.
func (c *Inbound) Answered() bool { return c.answered.Load() }

// Ended reports whether the dialog is over (either side hung up). Its
// context tells too: an ACK read after the BYE would set the state back
// to confirmed.
func (c *Inbound) Ended() bool {
	return c.dlg.LoadState() == sip.DialogStateEnded || c.dlg.Context().Err() != nil
}

// Hangup ends the call: BYE when answered, 480 before.
func (c *Inbound) Hangup(ctx context.Context) error {
	if c.Ended() {
		return nil
	}
	if !c.answered.Load() {
		return c.Reject(480, "Temporarily Unavailable")
	}
	if err := c.dlg.Bye(ctx); err != nil {
		return fmt.Errorf("sipua: bye %s: %w", c.CallID, err)
	}
	return nil
}

// finish makes sure the call is over once its handler returned.
func (c *Inbound) finish() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Hangup(ctx); err != nil {
		c.srv.log.Debug("hang up after handler", "call_id", c.CallID, "err", err)
	}
	_ = c.dlg.Close()
}

func (c *Inbound) handle(req *sip.Request, tx sip.ServerTransaction) {
	switch req.Method {
	case sip.ACK:
		if !c.Ended() { // sipgo serves each message apart: the caller's BYE may come first
			_ = c.dlg.ReadAck(req, tx) // an ACK to a re-INVITE's 200 has a higher CSeq: nothing to do
		}
	case sip.BYE:
		if err := c.dlg.ReadBye(req, tx); err != nil {
			respond(tx, req, 481, "Call/Transaction Does Not Exist")
		}
	case sip.INVITE, sip.UPDATE:
		c.answerReinvite(req, tx, c.contact)
	case sip.INFO:
		c.info(req, tx)
	case sip.REFER:
		c.srv.log.Warn("refer from a caller refused", "call_id", c.CallID, "source", req.Source())
		respond(tx, req, 403, "Forbidden")
	default:
		respond(tx, req, 200, "OK")
	}
}
