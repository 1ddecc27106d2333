package hotline

import (
	"context"
	"time"
)

// watchNode ends, when this node comes back under a new epoch, the calls
// whose records another node's reaper closed meanwhile (node_lost): their
// operators were freed and may be taken by another node, so a call of
// this node must not go on. It checks every 2 s until Stop.
func (h *Hotline) watchNode() {
	if h.cfg.Node == nil {
		return
	}
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	last := h.cfg.Node.Epoch()
	for {
		select {
		case <-h.stopped:
			return
		case <-t.C:
		}
		if e := h.cfg.Node.Epoch(); e != last {
			last = e
			h.endReaped()
		}
	}
}

// endReaped hangs up the calls in progress whose record is closed.
func (h *Hotline) endReaped() {
	h.mu.Lock()
	ids := make([]int64, 0, len(h.active))
	for id := range h.active {
		ids = append(ids, id)
	}
	h.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	closed, err := h.store.Closed(ctx, ids)
	if err != nil {
		h.log.Warn("calls closed while this node was fenced", "err", err)
		return
	}
	for _, id := range closed {
		h.mu.Lock()
		c := h.active[id]
		h.mu.Unlock()
		if c != nil {
			c.log.Warn("call ended: another node closed its record while this node was fenced (node_lost)")
			c.cancel()
		}
	}
}
