package sipua

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// ErrUnknownUser is returned by Credentials for a user with no SIP account.
var ErrUnknownUser = errors.New("sipua: unknown user")

// Credentials looks up the digest secret HA1 = MD5(user:realm:password) of
// a SIP user; it returns ErrUnknownUser for unknown or disabled users.
type Credentials interface {
	HA1(ctx context.Context, user string) (string, error)
}

// Binding is where a registered phone can be reached.
type Binding struct {
	User      string    // extension
	Contact   sip.Uri   // as registered
	Source    string    // ip:port the REGISTER came from (NAT)
	Transport string    // UDP or TCP
	Expires   time.Time // binding lapses then
	CallID    string
	CSeq      uint32
	Path      []string // Path entries (RFC 3327) the edge added, topmost first: the Route to reach it
	NodeID    string   // the node that took the REGISTER
}

// Registrar authenticates REGISTER requests with digest (a fresh signed
// nonce per challenge, valid for NonceTTL, nonce counts checked against
// replay; see nonces) and keeps the bindings. With a Store it writes them
// through to PostgreSQL, so every node can reach every phone, and keeps
// what it read for cacheTTL; without one, in memory only. It is safe for
// concurrent use.
type Registrar struct {
	realm          string
	creds          Credentials
	log            *slog.Logger
	minExp, maxExp time.Duration
	nonces         *nonces
	now            func() time.Time
	store          *Store // nil: bindings in memory only
	node           string
	edges          edges

	mu       sync.Mutex
	bindings map[string][]Binding // by user
	loaded   map[string]time.Time // when a user's bindings were last read from the store
	reading  map[string]bool      // a background read of a user's bindings is running
	failures map[netip.Addr][]time.Time
	onChange func(user string)
}

// cacheTTL is how long a node trusts the bindings it read from the store:
// a phone that moved on another node is rung at its old contact for about
// this long (one more lookup: the read after it runs in the background).
const cacheTTL = 2 * time.Second

// failure limits: after maxFailures wrong passwords from one address within
// failureWindow, its REGISTERs are refused with 403 until it passes.
const (
	maxFailures   = 10
	failureWindow = 5 * time.Minute
)

// maxNonces bounds the nonces whose counts are remembered (each about 150
// bytes); only requests with a right digest add one.
const maxNonces = 20000

func newRegistrar(realm string, creds Credentials, minExp, maxExp, nonceTTL time.Duration, nonceKey []byte, log *slog.Logger) *Registrar {
	return &Registrar{realm: realm, creds: creds, log: log, minExp: minExp, maxExp: maxExp,
		nonces: newNonces(nonceKey, realm, nonceTTL, maxNonces), now: time.Now,
		bindings: map[string][]Binding{}, loaded: map[string]time.Time{}, reading: map[string]bool{}, failures: map[netip.Addr][]time.Time{}}
}

// Bindings returns the live bindings of user, most recent first. With a
// store, they are read from it the first time and read again in the
// background once older than cacheTTL (a phone registered on another node
// is found within about cacheTTL); if the database does not answer, the
// bindings last read are used.
func (r *Registrar) Bindings(user string) []Binding {
	r.refresh(user)
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	var out []Binding
	for _, b := range r.bindings[user] {
		if b.Expires.After(now) {
			out = append(out, b)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Expires.After(out[j].Expires) })
	return out
}

// Drop ends every registration of user at once (a phone removed, or its
// credentials replaced: it must register again with the new ones), on
// every node.
func (r *Registrar) Drop(user string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.set(ctx, user, nil, nil); err != nil {
		r.log.Error("drop registrations", "user", user, "err", err)
	}
}

// refresh reads user's bindings from the store when none were read yet
// (waiting at most a second), or, in the background, when the cached ones
// are older than cacheTTL: Bindings is called under the ACD's lock, which
// must not wait on a slow database.
func (r *Registrar) refresh(user string) {
	if r.store == nil {
		return
	}
	r.mu.Lock()
	at, ok := r.loaded[user]
	stale := ok && time.Since(at) >= cacheTTL && !r.reading[user]
	if stale {
		r.reading[user] = true
	}
	r.mu.Unlock()
	switch {
	case !ok:
		r.load(user, time.Second)
	case stale:
		go func() {
			r.load(user, 5*time.Second)
			r.mu.Lock()
			delete(r.reading, user)
			r.mu.Unlock()
		}()
	}
}

// load reads user's bindings from the store into the cache; when the
// database fails, what was cached stays, tried again after cacheTTL.
func (r *Registrar) load(user string, within time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	bs, err := r.store.Bindings(ctx, user)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.log.Warn("bindings: database", "user", user, "err", err)
		r.loaded[user] = time.Now()
		return
	}
	r.cache(user, bs)
}

// cache replaces user's cached bindings by those read from the store;
// r.mu is held.
func (r *Registrar) cache(user string, bs []Binding) {
	r.loaded[user] = time.Now()
	if len(bs) == 0 {
		delete(r.bindings, user)
		return
	}
	r.bindings[user] = bs
}

// Registered reports whether user has a live binding.
func (r *Registrar) Registered(user string) bool { return len(r.Bindings(user)) > 0 }

// registeredIP reports whether a live binding came from ip, or ip is an
// edge's (all the phones behind it come from there): the flood throttle
// spares those.
func (r *Registrar) registeredIP(ip netip.Addr) bool {
	if r.edges.hasIP(ip) { // set before Start, read only
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	for _, bs := range r.bindings {
		for _, b := range bs {
			if ap, err := netip.ParseAddrPort(b.Source); err == nil && ap.Addr().Unmap() == ip && b.Expires.After(now) {
				return true
			}
		}
	}
	return false
}

// OnChange registers f to be called after user's bindings change.
func (r *Registrar) OnChange(f func(user string)) {
	r.mu.Lock()
	r.onChange = f
	r.mu.Unlock()
}

// handle answers a REGISTER.
func (r *Registrar) handle(ctx context.Context, req *sip.Request, tx sip.ServerTransaction) {
	res := r.register(ctx, req)
	if err := tx.Respond(res); err != nil {
		r.log.Warn("register: respond", "err", err)
	}
}

func (r *Registrar) register(ctx context.Context, req *sip.Request) *sip.Response {
	to := req.To()
	if to == nil || to.Address.User == "" {
		return sip.NewResponseFromRequest(req, 400, "Bad Request: no To user", nil)
	}
	user := to.Address.User
	src := sourceAddr(req)
	if r.blocked(src) {
		r.log.Warn("register refused: too many failures", "user", user, "source", req.Source())
		return sip.NewResponseFromRequest(req, 403, "Forbidden", nil)
	}
	h := req.GetHeader("Authorization")
	if h == nil {
		return r.challenge(req, false)
	}
	ok, nonce, err := r.verify(ctx, req, user, h.Value())
	if err != nil {
		r.log.Error("register: credentials", "user", user, "err", err)
		return unavailable(req)
	}
	switch {
	case !ok:
		r.fail(src)
		r.log.Warn("register: authentication failed", "user", user, "source", req.Source())
		return r.challenge(req, false)
	case nonce == nonceReplay:
		r.log.Warn("register: nonce count replayed", "user", user, "source", req.Source())
		return r.challenge(req, true)
	case nonce == nonceStale:
		return r.challenge(req, true)
	}
	return r.bind(ctx, req, user)
}

func sourceAddr(req *sip.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(req.Source())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// challenge answers 401 with a new nonce; stale tells the phone its
// password was right and only the nonce must change.
func (r *Registrar) challenge(req *sip.Request, stale bool) *sip.Response {
	chal := digest.Challenge{Realm: r.realm, Nonce: r.nonces.issue(r.now()), Algorithm: "MD5", QOP: []string{"auth"}, Stale: stale}
	res := sip.NewResponseFromRequest(req, 401, "Unauthorized", nil)
	res.AppendHeader(sip.NewHeader("WWW-Authenticate", chal.String()))
	return res
}

// verify checks the Authorization header of a REGISTER for user: ok when
// the digest is right, and then what its nonce and count are worth (only
// nonceFresh authenticates).
func (r *Registrar) verify(ctx context.Context, req *sip.Request, user, header string) (ok bool, nonce nonceState, err error) {
	cred, perr := digest.ParseCredentials(header)
	if perr != nil || cred.Username != user || cred.Realm != r.realm || !printable(user) {
		return false, 0, nil
	}
	ha1, err := r.creds.HA1(ctx, user)
	if errors.Is(err, ErrUnknownUser) {
		return false, 0, nil
	}
	if err != nil {
		return false, 0, fmt.Errorf("sipua: credentials of %s: %w", user, err)
	}
	chal := &digest.Challenge{Realm: r.realm, Nonce: cred.Nonce, Algorithm: cred.Algorithm, Opaque: cred.Opaque}
	if cred.QOP != "" {
		chal.QOP = []string{cred.QOP}
	}
	want, derr := digest.Digest(chal, digest.Options{Method: string(req.Method), URI: cred.URI, Username: user,
		A1: ha1, Cnonce: cred.Cnonce, Count: cred.Nc})
	if derr != nil || subtle.ConstantTimeCompare([]byte(want.Response), []byte(cred.Response)) != 1 {
		return false, 0, nil
	}
	nc := 0
	if cred.QOP != "" {
		nc = max(cred.Nc, 1)
	}
	st, err := r.nonces.check(ctx, cred.Nonce, nc, r.now())
	return true, st, err
}

func (r *Registrar) blocked(ip netip.Addr) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	cut := r.now().Add(-failureWindow)
	fs := r.failures[ip]
	for len(fs) > 0 && fs[0].Before(cut) {
		fs = fs[1:]
	}
	if len(fs) == 0 {
		delete(r.failures, ip)
		return false
	}
	r.failures[ip] = fs
	return len(fs) >= maxFailures
}

func (r *Registrar) fail(ip netip.Addr) {
	r.mu.Lock()
	r.failures[ip] = append(r.failures[ip], r.now())
	r.mu.Unlock()
}

// bind applies the Contact headers of an authenticated REGISTER.
func (r *Registrar) bind(ctx context.Context, req *sip.Request, user string) *sip.Response {
	exp, err := expiresOf(req, r.maxExp)
	if err != nil {
		return sip.NewResponseFromRequest(req, 400, "Bad Request: "+err.Error(), nil)
	}
	path, err := r.edges.pathOf(req)
	if err != nil {
		r.log.Warn("register refused: path", "user", user, "source", req.Source(), "err", err)
		return sip.NewResponseFromRequest(req, 403, "Forbidden: Path only from the SIP edge", nil)
	}
	contacts := req.GetHeaders("Contact")
	if len(contacts) == 1 && strings.TrimSpace(contacts[0].Value()) == "*" {
		if exp != 0 {
			return sip.NewResponseFromRequest(req, 400, "Bad Request: Contact * needs Expires: 0", nil)
		}
		return r.commit(ctx, req, user, nil, nil, path)
	}
	var add []Binding
	var remove []sip.Uri
	for _, h := range contacts {
		c, ok := h.(*sip.ContactHeader)
		if !ok {
			return sip.NewResponseFromRequest(req, 400, "Bad Request: Contact", nil)
		}
		if sc := strings.ToLower(c.Address.Scheme); (sc != "sip" && sc != "sips") || len(c.Address.Headers) > 0 || c.Address.Host == "" {
			return sip.NewResponseFromRequest(req, 400, "Bad Request: Contact must be a sip: URI without headers", nil)
		}
		e := exp
		if v, ok := c.Params.Get("expires"); ok {
			if n, err := strconv.Atoi(v); err == nil && n >= 0 {
				e = min(time.Duration(n)*time.Second, r.maxExp)
			}
		}
		if e == 0 {
			remove = append(remove, c.Address)
			continue
		}
		if e < r.minExp {
			res := sip.NewResponseFromRequest(req, 423, "Interval Too Brief", nil)
			res.AppendHeader(sip.NewHeader("Min-Expires", strconv.Itoa(int(r.minExp.Seconds()))))
			return res
		}
		add = append(add, Binding{User: user, Contact: *c.Address.Clone(), Source: req.Source(), Transport: req.Transport(),
			Expires: r.now().Add(e), CallID: req.CallID().Value(), CSeq: req.CSeq().SeqNo, Path: path, NodeID: r.node})
	}
	if add == nil && remove == nil {
		return r.ok(req, user, path) // a query: no Contact
	}
	return r.commit(ctx, req, user, add, remove, path)
}

// commit stores a REGISTER's changes and answers 200, or 503 when the
// database did not take them (nothing is half-written: one transaction).
func (r *Registrar) commit(ctx context.Context, req *sip.Request, user string, add []Binding, remove []sip.Uri, path []string) *sip.Response {
	if err := r.set(ctx, user, add, remove); err != nil {
		r.log.Error("register: store", "user", user, "err", err)
		return unavailable(req)
	}
	r.log.Info("registered", "user", user, "source", req.Source(), "transport", req.Transport(), "bindings", len(add),
		"removed", len(remove), "path", len(path))
	return r.ok(req, user, path)
}

// unavailable answers a REGISTER the database could not serve (most likely
// unreachable): 503 with Retry-After, so that the phone, or the edge proxy
// on another node, tries again, where a 500 would count as a refusal.
func unavailable(req *sip.Request) *sip.Response {
	res := sip.NewResponseFromRequest(req, 503, "Service Unavailable", nil)
	res.AppendHeader(sip.NewHeader("Retry-After", "5"))
	return res
}

func expiresOf(req *sip.Request, maxExp time.Duration) (time.Duration, error) {
	h := req.GetHeader("Expires")
	if h == nil {
		return min(time.Hour, maxExp), nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(h.Value()))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("expires header %q", h.Value())
	}
	return min(time.Duration(n)*time.Second, maxExp), nil
}

// set adds and removes bindings of user; add == nil && remove == nil
// removes all. With a store the change is written there first and the
// cache takes what the store holds afterwards.
func (r *Registrar) set(ctx context.Context, user string, add []Binding, remove []sip.Uri) error {
	if r.store != nil {
		bs, err := r.store.ApplyBindings(ctx, user, add, remove, add == nil && remove == nil)
		if err != nil {
			return err
		}
		r.mu.Lock()
		r.cache(user, bs)
		f := r.onChange
		r.mu.Unlock()
		if f != nil {
			f(user)
		}
		return nil
	}
	r.setMemory(user, add, remove)
	return nil
}

func (r *Registrar) setMemory(user string, add []Binding, remove []sip.Uri) {
	r.mu.Lock()
	cur := r.bindings[user]
	if add == nil && remove == nil {
		cur = nil
	}
	gone := append(append([]sip.Uri(nil), remove...), contacts(add)...)
	var keep []Binding
	for _, b := range cur {
		drop := b.Expires.Before(r.now())
		for _, u := range gone {
			drop = drop || sameContact(b.Contact, u)
		}
		if !drop {
			keep = append(keep, b)
		}
	}
	keep = append(keep, add...)
	if len(keep) == 0 {
		delete(r.bindings, user)
	} else {
		r.bindings[user] = keep
	}
	f := r.onChange
	r.mu.Unlock()
	if f != nil {
		f(user)
	}
}

func contacts(bs []Binding) []sip.Uri {
	out := make([]sip.Uri, len(bs))
	for i, b := range bs {
		out[i] = b.Contact
	}
	return out
}

func sameContact(a, b sip.Uri) bool {
	return a.User == b.User && strings.EqualFold(a.Host, b.Host) && a.Port == b.Port
}

// ok answers 200 with user's bindings, echoing the Path when the phone
// said it supports it (RFC 3327 §5.3).
func (r *Registrar) ok(req *sip.Request, user string, path []string) *sip.Response {
	res := sip.NewResponseFromRequest(req, 200, "OK", nil)
	if len(path) > 0 && supports(req, "path") {
		for _, p := range path {
			res.AppendHeader(sip.NewHeader("Path", p))
		}
	}
	now := r.now()
	for _, b := range r.Bindings(user) {
		c := &sip.ContactHeader{Address: *b.Contact.Clone(), Params: sip.NewParams()}
		c.Params.Add("expires", strconv.Itoa(int(b.Expires.Sub(now).Round(time.Second).Seconds())))
		res.AppendHeader(c)
	}
	res.AppendHeader(sip.NewHeader("Date", now.UTC().Format(http.TimeFormat)))
	return res
}
