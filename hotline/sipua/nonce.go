package sipua

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"sync"
	"time"
)

// nonces issues and checks digest nonces without keeping them: a nonce is
// its issue time, 8 random bytes and an HMAC of both under a key, so a
// flood of challenges costs no memory and any process holding the key can
// verify a nonce another issued. What must be kept is the highest nonce
// count (nc) used with each nonce, against replay: in a bounded cache,
// entries leave when their nonce expires; when the cache is full the
// oldest leave early and every nonce issued before them is stale from then
// on, so a forgotten nonce can never be replayed (the phone just answers
// a fresh challenge). With counts set (the PostgreSQL store) the counts
// are kept there instead, so a count used on one node is refused on all.
type nonces struct {
	key    []byte
	realm  string
	ttl    time.Duration
	max    int
	counts nonceCounter // nil: counts in memory, per process

	mu    sync.Mutex
	seen  map[string]*seenNonce
	order []*seenNonce // by first use
	floor time.Time    // nonces issued at or before it are stale
}

type seenNonce struct {
	nonce  string
	issued time.Time
	nc     int
}

// nonceState is what a nonce presented with a nonce count is worth.
type nonceState int

const (
	nonceFresh  nonceState = iota // issued here, not expired, count above any used before
	nonceStale                    // expired, issued under another key, or forgotten
	nonceReplay                   // count not above one already used with this nonce
)

const nonceLen = 8 + 8 + 16 // issue time, random, MAC

// nonceCounter keeps the nonce counts of every node (Store.UseNonce).
type nonceCounter interface {
	UseNonce(ctx context.Context, nonce string, nc int, expires time.Time) (bool, error)
}

func newNonces(key []byte, realm string, ttl time.Duration, max int) *nonces {
	if len(key) == 0 {
		key = make([]byte, 32)
		_, _ = rand.Read(key)
	}
	return &nonces{key: key, realm: realm, ttl: ttl, max: max, seen: map[string]*seenNonce{}}
}

// issue returns a new nonce.
func (n *nonces) issue(now time.Time) string {
	b := make([]byte, nonceLen)
	binary.BigEndian.PutUint64(b, uint64(now.UnixNano()))
	_, _ = rand.Read(b[8:16])
	copy(b[16:], n.mac(b[:16]))
	return base64.RawURLEncoding.EncodeToString(b)
}

func (n *nonces) mac(b []byte) []byte {
	m := hmac.New(sha256.New, n.key)
	m.Write(b)
	m.Write([]byte(n.realm))
	return m.Sum(nil)[:16]
}

// issued returns when nonce was issued, and false for a nonce this key
// never signed.
func (n *nonces) issued(nonce string) (time.Time, bool) {
	b, err := base64.RawURLEncoding.DecodeString(nonce)
	if err != nil || len(b) != nonceLen || !hmac.Equal(b[16:], n.mac(b[:16])) {
		return time.Time{}, false
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(b))), true
}

// check records that nonce was used with count nc (0 without qop: such a
// nonce serves once) by a request whose digest was right, and says whether
// that was allowed: in the shared counts when there are, else as use. An
// error is the database failing.
func (n *nonces) check(ctx context.Context, nonce string, nc int, now time.Time) (nonceState, error) {
	if n.counts == nil {
		return n.use(nonce, nc, now), nil
	}
	at, ok := n.issued(nonce)
	if !ok || now.Sub(at) > n.ttl || at.After(now.Add(time.Minute)) {
		return nonceStale, nil
	}
	fresh, err := n.counts.UseNonce(ctx, nonce, nc, at.Add(n.ttl))
	switch {
	case err != nil:
		return nonceStale, err
	case fresh:
		return nonceFresh, nil
	}
	return nonceReplay, nil
}

// use is check with the counts in this process's bounded cache.
func (n *nonces) use(nonce string, nc int, now time.Time) nonceState {
	at, ok := n.issued(nonce)
	if !ok || now.Sub(at) > n.ttl || at.After(now.Add(time.Minute)) {
		return nonceStale
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.forget(now)
	if !at.After(n.floor) {
		return nonceStale
	}
	if e, ok := n.seen[nonce]; ok {
		if nc <= e.nc {
			return nonceReplay
		}
		e.nc = nc
		return nonceFresh
	}
	e := &seenNonce{nonce: nonce, issued: at, nc: nc}
	n.seen[nonce] = e
	n.order = append(n.order, e)
	return nonceFresh
}

// forget drops the entries of expired nonces, and the oldest while the
// cache is full (raising the floor past them).
func (n *nonces) forget(now time.Time) {
	for len(n.order) > 0 {
		e := n.order[0]
		expired := now.Sub(e.issued) > n.ttl
		if !expired && len(n.order) < n.max {
			return
		}
		if !expired && e.issued.After(n.floor) {
			n.floor = e.issued
		}
		delete(n.seen, e.nonce)
		n.order[0] = nil
		n.order = n.order[1:]
	}
}

// size returns how many nonces are remembered.
func (n *nonces) size() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.seen)
}
