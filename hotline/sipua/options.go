package sipua

import (
	"errors"

	"github.com/emiago/sipgo/sip"
)

// errStopping: Stop was called.
var errStopping = errors.New("sipua: stopping")

// unavailable returns why the server takes no new calls (stopping, or
// Config.Accepting's answer), nil when it does.
func (s *Server) unavailable() error {
	if s.draining.Load() {
		return errStopping
	}
	if s.cfg.Accepting != nil {
		return s.cfg.Accepting()
	}
	return nil
}

// onOptions answers a keep-alive or a dispatcher's probe: 200 with what
// we support, or 503 with Retry-After while this node takes no new calls.
func (s *Server) onOptions(req *sip.Request, tx sip.ServerTransaction) {
	if err := s.unavailable(); err != nil {
		respond(tx, req, 503, "Service Unavailable", sip.NewHeader("Retry-After", "10"))
		return
	}
	res := sip.NewResponseFromRequest(req, 200, "OK", nil)
	res.AppendHeader(sip.NewHeader("Allow", allow))
	res.AppendHeader(sip.NewHeader("Accept", "application/sdp"))
	_ = tx.Respond(res)
}
