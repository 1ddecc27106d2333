package sipua

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// DialError is a leg the party did not answer: Code is the final SIP
// status (486 busy, 480 unavailable, 603 declined …).
type DialError struct {
	Code   int
	Reason string
}

// Error describes the final response.
func (e *DialError) Error() string { return fmt.Sprintf("sipua: dial: %d %s", e.Code, e.Reason) }

// Busy reports whether the party was busy.
func (e *DialError) Busy() bool { return e.Code == 486 || e.Code == 600 }

// Target is where to send a leg.
type Target struct {
	URI         sip.Uri // Request-URI: a registered contact or a fixed URI
	Destination string  // ip:port to send to (a registration's source, for NAT); "" = top Route, else URI
	Transport   string  // "UDP" or "TCP"
	// Route is sent as Route headers, topmost first: a binding's Path, so
	// the request goes to the edge that took the REGISTER (sipgo sends a
	// request to its top Route when no destination is set) and the edge
	// on to the phone.
	Route []string
}

// TargetOf returns the target of a registration binding: straight to the
// address the REGISTER came from, or through the Path the edge recorded.
func TargetOf(b Binding) Target {
	if len(b.Path) > 0 {
		return Target{URI: b.Contact, Transport: b.Transport, Route: b.Path}
	}
	return Target{URI: b.Contact, Destination: b.Source, Transport: b.Transport}
}

// hostRE is a host name, an IPv4 address or an IPv6 reference (RFC 3261
// §25.1 hostport).
var hostRE = regexp.MustCompile(`^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.?|\[[0-9A-Fa-f:.]+\])$`)

// ParseTarget returns the target of a fixed sip: URI (a desk phone).
func ParseTarget(uri string) (Target, error) {
	var u sip.Uri
	if err := sip.ParseUri(uri, &u); err != nil || !hostRE.MatchString(u.Host) {
		return Target{}, fmt.Errorf("sipua: contact URI %q is not a sip: URI with a host name or address", uri)
	}
	// A password, or a colon the parser left in the user, would not be
	// the same URI once written out again (sip:0::@h becomes sip:0:@h).
	if u.Password != "" || strings.Contains(u.User, ":") {
		return Target{}, fmt.Errorf("sipua: contact URI %q: a phone's URI has no password (user:password@)", uri)
	}
	tr := "UDP"
	if v, ok := u.UriParams.Get("transport"); ok && strings.EqualFold(v, "tcp") {
		tr = "TCP"
	}
	return Target{URI: u, Transport: tr}, nil
}

// ErrNoResponse is returned by Dial, wrapped with the cause, when the
// phone answered nothing at all, not even 100 Trying, before the ring
// timeout or the end of the transaction: it is gone (unplugged, crashed,
// its network down) though its registration has not lapsed.
var ErrNoResponse = errors.New("sipua: no response from the phone")

// DialRequest is a leg to place.
type DialRequest struct {
	Target    Target
	FromUser  string // shown to the party: the caller's number
	FromName  string
	SDP       []byte // our offer
	OnRinging func() // called on 180/183, may be nil
	// AuthUser and AuthPassword answer a 401/407 digest challenge (a
	// carrier's trunk); empty: a challenge is a final error.
	AuthUser, AuthPassword string
}

// Outbound is a leg govhall placed to an operator's or liaison's phone.
type Outbound struct {
	legHooks
	srv     *Server
	dlg     *sipgo.DialogClientSession
	contact sip.ContactHeader

	CallID string // SIP Call-ID of this leg
	Answer []byte // the party's SDP answer
}

// Dial places a leg and waits until it is answered. When ctx ends first
// (ring timeout, caller hung up) the INVITE is cancelled in the
// background and ctx.Err() is returned. A final error response is a
// *DialError.
func (s *Server) Dial(ctx context.Context, d DialRequest) (*Outbound, error) {
	dua := s.dialogUA(d.Target.Transport)
	req := s.inviteRequest(d, dua)
	dlg, err := dua.WriteInvite(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("sipua: invite %s: %w", d.Target.URI.String(), err)
	}
	done := make(chan error, 1)
	var responded atomic.Bool
	go func() {
		done <- dlg.WaitAnswer(ctx, sipgo.AnswerOptions{OnResponse: func(r *sip.Response) error {
			responded.Store(true)
			if (r.StatusCode == 180 || r.StatusCode == 183) && d.OnRinging != nil {
				d.OnRinging()
			}
			return nil
		}, Username: d.AuthUser, Password: d.AuthPassword})
	}()
	select {
	case err = <-done:
	case <-ctx.Done():
		go s.abandon(dlg, done)
		if !responded.Load() && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("%w: %w", ErrNoResponse, ctx.Err())
		}
		return nil, ctx.Err()
	}
	if err != nil {
		s.abandonAnswered(dlg)
		if !responded.Load() && ctx.Err() == nil {
			return nil, fmt.Errorf("%w: %w", ErrNoResponse, err)
		}
		return nil, dialError(err)
	}
	o := &Outbound{srv: s, dlg: dlg, contact: dua.ContactHDR, CallID: callID(req), Answer: dlg.InviteResponse.Body()}
	if err := dlg.Ack(ctx); err != nil {
		s.abandonAnswered(dlg)
		return nil, fmt.Errorf("sipua: ack %s: %w", o.CallID, err)
	}
	s.dialogs.Store(dlg.ID, dialogLeg(o))
	go func() {
		<-dlg.Context().Done()
		s.dialogs.Delete(dlg.ID)
	}()
	return o, nil
}

func (s *Server) inviteRequest(d DialRequest, dua *sipgo.DialogUA) *sip.Request {
	req := sip.NewRequest(sip.INVITE, *d.Target.URI.Clone())
	req.SetTransport(d.Target.Transport)
	if d.Target.Destination != "" {
		req.SetDestination(d.Target.Destination)
	}
	for _, r := range d.Target.Route {
		req.AppendHeader(sip.NewHeader("Route", r))
	}
	from := &sip.FromHeader{DisplayName: d.FromName, Address: sip.Uri{Scheme: "sip", User: d.FromUser, Host: s.addr.Addr().String()},
		Params: sip.NewParams()}
	from.Params.Add("tag", sip.GenerateTagN(16))
	to := &sip.ToHeader{Address: sip.Uri{Scheme: "sip", User: d.Target.URI.User, Host: d.Target.URI.Host, Port: d.Target.URI.Port}}
	req.AppendHeader(from)
	req.AppendHeader(to)
	req.AppendHeader(sip.HeaderClone(&dua.ContactHDR))
	req.AppendHeader(sip.NewHeader("Allow", allow))
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	req.SetBody(d.SDP)
	return req
}

// abandon waits for a cancelled INVITE to finish and hangs up a party that
// answered anyway.
func (s *Server) abandon(dlg *sipgo.DialogClientSession, done <-chan error) {
	<-done
	s.abandonAnswered(dlg)
}

func (s *Server) abandonAnswered(dlg *sipgo.DialogClientSession) {
	if dlg.InviteResponse == nil || !dlg.InviteResponse.IsSuccess() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = dlg.Ack(ctx)
	if err := dlg.Bye(ctx); err != nil {
		s.log.Debug("hang up a leg answered too late", "err", err)
	}
}

func dialError(err error) error {
	var p *sipgo.ErrDialogResponse
	if errors.As(err, &p) && p.Res != nil {
		return &DialError{Code: p.Res.StatusCode, Reason: p.Res.Reason}
	}
	var v sipgo.ErrDialogResponse
	if errors.As(err, &v) && v.Res != nil {
		return &DialError{Code: v.Res.StatusCode, Reason: v.Res.Reason}
	}
	return fmt.Errorf("sipua: dial: %w", err)
}

// Context ends when the party hangs up or the leg is hung up.
func (o *Outbound) Context() context.Context { return o.dlg.Context() }

// Hangup sends BYE (nothing when the party already hung up).
func (o *Outbound) Hangup(ctx context.Context) error {
	defer o.srv.dialogs.Delete(o.dlg.ID)
	if o.dlg.LoadState() == sip.DialogStateEnded {
		return nil
	}
	if err := o.dlg.Bye(ctx); err != nil {
		return fmt.Errorf("sipua: bye %s: %w", o.CallID, err)
	}
	return nil
}

// OnRefer sets f to take a blind transfer (REFER) from the party: it gets
// the Refer-To URI (always a sip: URI of this server: anything else is
// refused before) and returns nil to accept (202) or an error to refuse
// (403). An accepted transfer must be reported with NotifyRefer.
func (o *Outbound) OnRefer(f func(target sip.Uri) error) {
	o.mu.Lock()
	o.onRefer = f
	o.mu.Unlock()
}

func (o *Outbound) handle(req *sip.Request, tx sip.ServerTransaction) {
	switch req.Method {
	case sip.BYE:
		if err := o.dlg.ReadBye(req, tx); err != nil {
			respond(tx, req, 481, "Call/Transaction Does Not Exist")
		}
	case sip.INVITE, sip.UPDATE:
		o.answerReinvite(req, tx, o.contact)
	case sip.INFO:
		o.info(req, tx)
	case sip.REFER:
		o.refer(req, tx)
	case sip.ACK:
	default:
		respond(tx, req, 200, "OK")
	}
}

func (o *Outbound) refer(req *sip.Request, tx sip.ServerTransaction) {
	_, _, f := o.hooks()
	rt := req.ReferTo()
	if rt == nil {
		respond(tx, req, 400, "Bad Request: no Refer-To")
		return
	}
	if f == nil {
		respond(tx, req, 403, "Forbidden")
		return
	}
	if sc := strings.ToLower(rt.Address.Scheme); (sc != "sip" && sc != "sips") || !o.srv.ours(rt.Address.Host) {
		o.srv.log.Warn("refer to outside refused: no open relay", "call_id", o.CallID, "refer_to", rt.Address.String())
		respond(tx, req, 403, "Forbidden")
		return
	}
	if err := f(rt.Address); err != nil {
		o.srv.log.Info("refer refused", "call_id", o.CallID, "refer_to", rt.Address.String(), "err", err)
		respond(tx, req, 403, "Forbidden")
		return
	}
	respond(tx, req, 202, "Accepted")
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := o.NotifyRefer(ctx, 100, "Trying", false); err != nil {
			o.srv.log.Debug("refer notify", "call_id", o.CallID, "err", err)
		}
	}()
}

// NotifyRefer reports the progress of an accepted REFER to the party with
// a NOTIFY carrying a message/sipfrag status line; final ends the implicit
// subscription.
func (o *Outbound) NotifyRefer(ctx context.Context, code int, reason string, final bool) error {
	if o.dlg.LoadState() == sip.DialogStateEnded {
		return nil
	}
	target := o.dlg.InviteRequest.Recipient
	if c := o.dlg.InviteResponse.Contact(); c != nil {
		target = c.Address
	}
	req := sip.NewRequest(sip.NOTIFY, *target.Clone())
	state := "active;expires=60"
	if final {
		state = "terminated;reason=noresource"
	}
	req.AppendHeader(sip.NewHeader("Event", "refer"))
	req.AppendHeader(sip.NewHeader("Subscription-State", state))
	req.AppendHeader(sip.NewHeader("Content-Type", "message/sipfrag;version=2.0"))
	req.SetBody([]byte(fmt.Sprintf("SIP/2.0 %d %s\r\n", code, reason)))
	res, err := o.dlg.Do(ctx, req)
	if err != nil {
		return fmt.Errorf("sipua: notify %s: %w", o.CallID, err)
	}
	if !res.IsSuccess() {
		return fmt.Errorf("sipua: notify %s: %d %s", o.CallID, res.StatusCode, res.Reason)
	}
	return nil
}
