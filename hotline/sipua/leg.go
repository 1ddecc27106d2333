package sipua

import (
	"strings"
	"sync"

	"github.com/emiago/sipgo/sip"

	"github.com/govhall/govhall/hotline/media"
)

// dialogLeg is a leg that serves the requests of its dialog.
type dialogLeg interface {
	handle(req *sip.Request, tx sip.ServerTransaction)
}

// Callbacks of a leg. Each may be nil.
type legHooks struct {
	mu         sync.Mutex
	onReinvite func(offer []byte) ([]byte, error)
	onDigit    func(key byte)
	onRefer    func(target sip.Uri) error
	reinvite   sync.Mutex // one re-INVITE or UPDATE at a time
}

// OnReinvite sets f to answer re-INVITEs and UPDATEs with SDP (hold,
// resume, new address): it gets the offer (nil for an offer-less
// re-INVITE) and returns our SDP; an error answers 488.
func (h *legHooks) OnReinvite(f func(offer []byte) ([]byte, error)) {
	h.mu.Lock()
	h.onReinvite = f
	h.mu.Unlock()
}

// OnDigit sets f to receive DTMF keys sent by SIP INFO.
func (h *legHooks) OnDigit(f func(key byte)) {
	h.mu.Lock()
	h.onDigit = f
	h.mu.Unlock()
}

func (h *legHooks) hooks() (func([]byte) ([]byte, error), func(byte), func(sip.Uri) error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.onReinvite, h.onDigit, h.onRefer
}

// answerReinvite serves a re-INVITE or UPDATE within an established dialog.
func (h *legHooks) answerReinvite(req *sip.Request, tx sip.ServerTransaction, contact sip.ContactHeader) {
	if !h.reinvite.TryLock() {
		respond(tx, req, 491, "Request Pending")
		return
	}
	defer h.reinvite.Unlock()
	f, _, _ := h.hooks()
	body, _ := sdpOf(req) // check refused a body without one
	if f == nil || (len(body) == 0 && req.Method == sip.UPDATE) {
		res := sip.NewResponseFromRequest(req, 200, "OK", nil)
		res.AppendHeader(sip.HeaderClone(&contact))
		_ = tx.Respond(res)
		return
	}
	answer, err := f(body)
	if err != nil {
		respond(tx, req, 488, "Not Acceptable Here")
		return
	}
	res := sip.NewSDPResponseFromRequest(req, answer)
	res.AppendHeader(sip.HeaderClone(&contact))
	_ = tx.Respond(res)
}

// info serves an INFO: DTMF relay bodies go to the digit hook.
func (h *legHooks) info(req *sip.Request, tx sip.ServerTransaction) {
	ct := ""
	if c := req.ContentType(); c != nil {
		ct = strings.ToLower(c.Value())
	}
	if strings.HasPrefix(ct, "application/dtmf") {
		if k := media.ParseINFO(req.Body()); k != 0 {
			if _, f, _ := h.hooks(); f != nil {
				f(k)
			}
		}
	}
	respond(tx, req, 200, "OK")
}
