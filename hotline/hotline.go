// Package hotline runs the 96128 call flow: every call to the hotline is
// answered with a greeting and recording notice; out of legal working
// hours (the working-day calendar, 调休 included) the caller leaves a
// voicemail that becomes a query with a 查询码; in hours the caller waits in
// the ACD queue for the longest-idle operator, who may transfer the call to
// a department's liaison (REFER from the phone or the API); after the
// answering party hangs up the caller rates the answer 1–5. Every call is
// recorded to one stereo WAV and accounted for in PostgreSQL.
//
// While staff talk with the caller, the consoles drive the call (each
// action checked against the staff member in charge of the caller): Hold
// and Resume (the caller hears music, the staff member silence), Hangup
// (the caller still rates the answer), blind Transfer and AttendedTransfer
// (the caller hears music while the operator talks with the liaison), then
// CompleteTransfer, CancelTransfer, ThreeWay and Leave. A department's
// liaisons ring one after another or all at once (the first to answer takes
// the call); liaisons who are away are not rung. A transfer nobody answers
// or the phones refuse brings the operator back to the caller. What happens
// is told to Config.Events as CallEvents.
//
// The recording: the left channel is the caller. The right channel is what
// the caller hears — prompts, the operator or liaison talking with them,
// the hold music — except during the consultation of an attended transfer
// and a three-way call, when it is the operator and the liaison mixed (the
// caller's music is not recorded then: the staff's words are). The file is
// one clock from answer to hang-up: gaps become silence, never a jump.
//
// Signalling is in hotline/sipua, media in hotline/media, records and the
// ACD in hotline/calls.
package hotline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/hotline/calls"
	"github.com/govhall/govhall/hotline/cluster"
	"github.com/govhall/govhall/hotline/media"
	"github.com/govhall/govhall/hotline/recstore"
	"github.com/govhall/govhall/hotline/sipua"
)

// Hours tells whether a moment lies in legal working hours on a working
// day (hotline/calendar's Calendar implements it).
type Hours interface {
	InHours(t time.Time) bool
}

// CallQuery is a question left on the phone, to become a tracked query.
type CallQuery struct {
	CallID        int64
	SIPCallID     string
	Caller        string
	Department    string // department code, "" when unknown
	Question      string // text, if any (voice messages have none)
	RecordingPath string // the URL of the caller's message (mono WAV, hotline/recstore)
	Channel       string // "phone" or "voicemail"
}

// QueryCreator turns a question left on the phone into a tracked query and
// returns its 查询码.
type QueryCreator interface {
	CreateFromCall(ctx context.Context, in CallQuery) (code string, err error)
}

// QueryRater stores a caller's satisfaction on the query of a call; a
// QueryCreator may also implement it.
type QueryRater interface {
	RateFromCall(ctx context.Context, code string, score int) error
}

// Config configures the hotline.
type Config struct {
	SIPAddr      string // ip:port for SIP over UDP and TCP (port 0: any free port)
	Realm        string // digest realm of the phones; default "govhall"
	RTPMin       int    // RTP port range; 0, 0: ephemeral ports
	RTPMax       int
	DataDir      string        // recordings under DataDir/recordings, prompts under DataDir/prompts
	PromptsDir   string        // overrides DataDir/prompts
	FloodRate    float64       // SIP messages per second per source address (GOVHALL_SIP_RATE); default 200
	FloodBurst   int           // and their burst; default 1000
	TCPIdle      time.Duration // a SIP TCP connection without a message ends after this (GOVHALL_SIP_TCP_IDLE); default 3m
	TCPPerSource int           // open SIP TCP connections from one address (GOVHALL_SIP_TCP_PER_SOURCE); default 32
	RingTimeout  time.Duration // an operator's phone rings this long; default 15s
	LiaisonRing  time.Duration // a liaison's phone rings this long; default 20s
	MaxWait      time.Duration // longest wait in the queue before voicemail; default 3m
	Announce     time.Duration // queue position announced this often; default 30s
	MaxMessage   time.Duration // longest voicemail; default 2m
	WrapUp       time.Duration // operator wrap-up after a call; default 10s
	SurveyWait   time.Duration // time to key the rating; default 8s
	RTPTimeout   time.Duration // no RTP from the caller this long ends the call; default 60s
	Now          func() time.Time
	Log          *slog.Logger
	Events       Notifier // told what happens on calls, for the consoles; nil: nobody
	Trunk        Trunk    // the carrier's gateway for the calls govhall places (回拨, 回访); zero: none

	// SIP over TLS, optional: address and PEM certificate and key files.
	TLSAddr, TLSCertFile, TLSKeyFile string
	// Domains are the host names and addresses callers may reach the
	// hotline at besides SIPAddr (see sipua.Config.Domains).
	Domains []string
	// NonceKey signs the phones' digest nonces; nodes sharing it accept
	// each other's. Empty: a random key.
	NonceKey []byte
	// Node is this process among the govhall nodes sharing the database
	// (hotline/cluster); nil: the only one, owning every call.
	Node Node
	// Recordings is where calls and messages are recorded (shared
	// storage when several nodes share the database); nil: a
	// recstore.Dir on DataDir/recordings.
	Recordings recstore.Store
}

// Node is this process in the registry of govhall nodes
// (hotline/cluster's Node implements it).
type Node interface {
	ID() string
	Epoch() int64
	// Accepting returns nil when the node takes new calls, else why not
	// (fenced from the database, draining).
	Accepting() error
}

func (c *Config) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.RingTimeout, 15*time.Second)
	def(&c.LiaisonRing, 20*time.Second)
	def(&c.MaxWait, 3*time.Minute)
	def(&c.Announce, 30*time.Second)
	def(&c.MaxMessage, 2*time.Minute)
	def(&c.WrapUp, 10*time.Second)
	def(&c.SurveyWait, 8*time.Second)
	def(&c.RTPTimeout, 60*time.Second)
	if c.Realm == "" {
		c.Realm = "govhall"
	}
	if c.PromptsDir == "" {
		c.PromptsDir = filepath.Join(c.DataDir, "prompts")
	}
	if c.Recordings == nil {
		c.Recordings = recstore.NewDir(filepath.Join(c.DataDir, "recordings"))
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
}

// Hotline is the running 96128 service.
type Hotline struct {
	cfg     Config
	log     *slog.Logger
	store   *calls.Store
	acd     *calls.ACD
	sip     *sipua.Server
	ports   *media.Ports
	hours   Hours
	queries QueryCreator
	loaded  atomic.Pointer[Prompts] // the prompts calls play; replaced whole when an admin changes one

	stopped  chan struct{}
	stopOnce sync.Once

	mu     sync.Mutex
	active map[int64]*call
	relay  relayTotals
	meter  meter // monitor.go

	queueMu  sync.Mutex // orders the queue events
	queueLen int        // callers waiting, as last told

	outcalls sync.Map // call id → *outcall: the calls govhall places (callback.go)
}

// relayTotals add up the bridge counters of finished calls.
type relayTotals struct {
	relayIn, toPeer, peerIn, toCaller atomic.Uint64
}

// RelayStats returns the relay counters summed over finished calls.
func (h *Hotline) RelayStats() media.BridgeStats {
	return media.BridgeStats{RelayIn: h.relay.relayIn.Load(), ToPeer: h.relay.toPeer.Load(),
		PeerIn: h.relay.peerIn.Load(), ToCaller: h.relay.toCaller.Load()}
}

// New builds the hotline on db; hours decides office hours, queries (may
// be nil) turns messages into tracked queries.
func New(cfg Config, db *sqlx.DB, hours Hours, queries QueryCreator) (*Hotline, error) {
	cfg.defaults()
	if hours == nil {
		return nil, fmt.Errorf("hotline: a working-hours calendar is required")
	}
	ap, err := netip.ParseAddrPort(cfg.SIPAddr)
	if err != nil {
		return nil, fmt.Errorf("hotline: SIP address %q must be ip:port: %w", cfg.SIPAddr, err)
	}
	h := &Hotline{cfg: cfg, log: cfg.Log, store: calls.NewStore(db), hours: hours, queries: queries, active: map[int64]*call{},
		stopped: make(chan struct{})}
	if h.ports, err = media.NewPorts(ap.Addr(), cfg.RTPMin, cfg.RTPMax); err != nil {
		return nil, fmt.Errorf("hotline: %w", err)
	}
	h.sip, err = sipua.New(sipua.Config{Addr: cfg.SIPAddr, Realm: cfg.Realm, FloodRate: cfg.FloodRate, FloodBurst: cfg.FloodBurst,
		TCPIdle: cfg.TCPIdle, TCPPerSource: cfg.TCPPerSource,
		TLSAddr: cfg.TLSAddr, TLSCertFile: cfg.TLSCertFile, TLSKeyFile: cfg.TLSKeyFile, Domains: cfg.Domains, NonceKey: cfg.NonceKey,
		Accepting: h.accepting, Log: cfg.Log.With("component", "sip")}, credentials{h.store, cfg.Realm})
	if err != nil {
		return nil, err
	}
	h.acd = calls.NewACD(h.store, calls.ACDConfig{WrapUp: cfg.WrapUp, Reachable: h.reachable, Now: cfg.Now, Log: cfg.Log,
		OnState: h.operatorChanged})
	return h, nil
}

// Store returns the call records.
func (h *Hotline) Store() *calls.Store { return h.store }

// ACD returns the operators' queue.
func (h *Hotline) ACD() *calls.ACD { return h.acd }

// SIP returns the SIP server (its registrar and bound address).
func (h *Hotline) SIP() *sipua.Server { return h.sip }

// Start generates missing prompts, closes the records of calls a crash cut
// off (repairing their recordings), loads the operators and starts SIP.
func (h *Hotline) Start(ctx context.Context) error {
	if err := EnsurePrompts(ctx, h.cfg.PromptsDir); err != nil {
		return err
	}
	ps, err := LoadPrompts(h.cfg.PromptsDir)
	if err != nil {
		return err
	}
	h.loaded.Store(&ps)
	if err := h.recover(ctx); err != nil {
		return err
	}
	if err := h.acd.Refresh(ctx); err != nil {
		return err
	}
	h.sip.Registrar().OnChange(func(string) {
		rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := h.acd.Refresh(rctx); err != nil {
			h.log.Warn("refresh operators", "err", err)
		}
	})
	go h.refreshOperators()
	go h.watchNode()
	return h.sip.Start(h.handle)
}

// refreshOperators picks up operators added to the database while running
// (registrations and state changes refresh at once).
func (h *Hotline) refreshOperators() {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-h.stopped:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if err := h.acd.Refresh(ctx); err != nil {
				h.log.Warn("refresh operators", "err", err)
			}
			cancel()
		}
	}
}

// Stop drains the hotline (see sipua.Server.Stop).
func (h *Hotline) Stop(ctx context.Context) error {
	h.stopOnce.Do(func() { close(h.stopped) })
	err := h.sip.Stop(ctx)
	h.acd.Close()
	return err
}

// reachable reports whether a phone can be rung now.
func (h *Hotline) reachable(a calls.SIPAccount) bool {
	return a.ContactURI != "" || h.sip.Registrar().Registered(a.Extension)
}

// phoneGone drops the registrations of a phone that answered an INVITE
// with nothing at all: it vanished (unplugged, crashed, its network down)
// without unregistering, and would otherwise be offered every caller, each
// waiting a ring timeout, until its registration lapsed. The ACD skips it
// until it registers again. A phone with a fixed contact stays.
func (h *Hotline) phoneGone(log *slog.Logger, a calls.SIPAccount) {
	reg := h.sip.Registrar()
	if !reg.Registered(a.Extension) {
		return
	}
	log.Warn("phone sent no response: registration dropped until it registers again", "extension", a.Extension)
	reg.Drop(a.Extension)
}

// targets returns where to ring a phone: its live registrations, or its
// fixed contact.
func (h *Hotline) targets(a calls.SIPAccount) []sipua.Target {
	var ts []sipua.Target
	for _, b := range h.sip.Registrar().Bindings(a.Extension) {
		ts = append(ts, sipua.TargetOf(b))
	}
	if len(ts) == 0 && a.ContactURI != "" {
		if t, err := sipua.ParseTarget(a.ContactURI); err == nil {
			ts = append(ts, t)
		} else {
			h.log.Warn("bad contact uri", "extension", a.Extension, "err", err)
		}
	}
	return ts
}

// credentials serves the registrar from the SIP accounts.
type credentials struct {
	store *calls.Store
	realm string
}

// HA1 returns the digest secret of an enabled SIP account of our realm.
func (c credentials) HA1(ctx context.Context, user string) (string, error) {
	a, err := c.store.SIPAccount(ctx, user)
	if errors.Is(err, calls.ErrNotFound) || (err == nil && (a.Disabled || a.Realm != c.realm)) {
		return "", sipua.ErrUnknownUser
	}
	if err != nil {
		return "", err
	}
	return a.HA1, nil
}

// accepting tells sipua whether this node takes new calls (OPTIONS and
// INVITE get 503 when not).
func (h *Hotline) accepting() error {
	if h.cfg.Node == nil {
		return nil
	}
	return h.cfg.Node.Accepting()
}

// owner returns the node and epoch new calls are recorded under.
func (h *Hotline) owner() (string, int64) {
	if h.cfg.Node == nil {
		return "", 0
	}
	return h.cfg.Node.ID(), h.cfg.Node.Epoch()
}

// recover closes calls left open by a crash, fixing their recordings'
// headers so the files play and finalising them under their names
// (recstore.Store.Repair): this node's calls (every call without a
// node registry); other nodes' are theirs or their reaper's.
func (h *Hotline) recover(ctx context.Context) error {
	node, _ := h.owner()
	open, err := h.store.OpenCalls(ctx, node)
	if err != nil {
		return err
	}
	for _, c := range open {
		var rec calls.Recording
		if c.RecordingPath != "" {
			info, err := h.cfg.Recordings.Repair(c.RecordingPath)
			if err != nil {
				h.log.Warn("repair recording of a cut-off call", "call", c.ID, "recording", c.RecordingPath, "err", err)
			} else {
				rec = calls.Recording{Path: c.RecordingPath, SHA256: info.SHA256, Duration: info.Duration, Size: info.Size}
			}
		}
		if err := h.store.CloseCutOff(ctx, c.ID, h.cfg.Now(), rec); err != nil {
			return err
		}
		h.log.Info("closed a call cut off by a stop", "call", c.ID, "recording_repaired", rec.Path != "")
	}
	return nil
}

// ActiveCalls returns the number of calls in progress.
func (h *Hotline) ActiveCalls() int { return h.sip.ActiveCalls() }

// NodeRefusal says, for /readyz, why this node takes no new calls (it
// drains, or lost its lock or heartbeat in the database); "" when it
// takes them.
func (h *Hotline) NodeRefusal() string {
	switch err := h.accepting(); {
	case err == nil:
		return ""
	case errors.Is(err, cluster.ErrDraining):
		return "本节点正在腾空（govhall drain）：新呼叫和请求由其他节点接，进行中的通话继续"
	case errors.Is(err, cluster.ErrFenced):
		return "本节点失去了数据库中的节点锁或心跳：重新取得之前不接新呼叫"
	default:
		return "本节点暂不接新呼叫：" + err.Error()
	}
}
