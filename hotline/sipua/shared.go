package sipua

import (
	"context"
	"time"
)

// Shared makes a server one of several govhall nodes on one database,
// behind SIP edge proxies.
type Shared struct {
	// Store keeps the bindings, the nonce counts and (when Config.NonceKey
	// is empty) the nonce key in PostgreSQL, for every node.
	Store *Store
	// NodeID names this node in the bindings it writes; default:
	// Config.Addr.
	NodeID string
	// Edges are the SIP edge proxies (Kamailio) in front of the nodes,
	// "ip" or "ip:port" (GOVHALL_SIP_EDGE): only their REGISTERs may
	// carry Path and a Path may name only them; their addresses count as
	// ours in Request-URIs (they forward a caller's Request-URI
	// unchanged); the flood throttle spares them (every phone behind one
	// comes from its address).
	Edges []string
}

// Share sets up the server as one node of several; call it before Start.
// A REGISTER is then written through to sh.Store (a database error
// answers 500 and changes nothing), a phone registered on any node is
// found here within cacheTTL, nonces signed by any node with the same key
// verify here, and a nonce count used anywhere is refused everywhere.
// Expired rows are pruned every minute until the server stops.
func (s *Server) Share(ctx context.Context, sh Shared) error {
	es, err := parseEdges(sh.Edges)
	if err != nil {
		return err
	}
	r := s.reg
	if sh.Store != nil && len(s.cfg.NonceKey) == 0 {
		key, err := sh.Store.SharedKey(ctx, "sip_digest_nonce")
		if err != nil {
			return err
		}
		r.nonces.key = key
	}
	r.edges, r.store, r.node = es, sh.Store, sh.NodeID
	if r.node == "" {
		r.node = s.cfg.Addr
	}
	for _, e := range es {
		s.cfg.Domains = append(s.cfg.Domains, e.Addr().String())
	}
	if sh.Store != nil {
		r.nonces.counts = sh.Store
		go s.prune(sh.Store)
	}
	s.log.Info("sip shared", "node", r.node, "edges", es.String(), "store", sh.Store != nil)
	return nil
}

// pruneEvery is how often expired bindings and nonce counts are deleted
// (by every node: the deletes are idempotent).
const pruneEvery = time.Minute

func (s *Server) prune(st *Store) {
	t := time.NewTicker(pruneEvery)
	defer t.Stop()
	for {
		select {
		case <-s.hardCtx.Done():
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(s.hardCtx, 10*time.Second)
			if n, err := st.Prune(ctx); err != nil {
				s.log.Warn("prune registrations", "err", err)
			} else if n > 0 {
				s.log.Info("expired registrations pruned", "bindings", n)
			}
			cancel()
		}
	}
}
