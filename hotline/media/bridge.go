package media

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
)

// Sources of the audio sent to the caller, for the marker bit.
const (
	srcPrompt = 1
	srcPeer   = 2 // + n for the n-th peer attached
)

// BridgeStats counts audio packets: all from the caller (CallerIn); those
// that arrived while a party was connected (RelayIn) and how many of them
// were relayed to it (ToPeer); those from the connected party while the
// caller was listening (PeerIn) and how many were relayed (ToCaller).
type BridgeStats struct {
	CallerIn, RelayIn, ToPeer, PeerIn, ToCaller uint64
}

// Lost returns the packets the relay failed to pass on.
func (s BridgeStats) Lost() uint64 { return s.RelayIn - s.ToPeer + s.PeerIn - s.ToCaller }

// Bridge is the media of one call: the caller's endpoint, the call
// recording, and the party (operator or liaison) currently connected to the
// caller, or a Mix of the parties and music (hold, consultation, three-way).
// The caller's audio goes to the left channel of the recording; the right
// one gets the prompts the caller hears and the connected party, or what a
// Mix records. DTMF from the caller becomes digits on Digits.
type Bridge struct {
	caller *Endpoint
	rec    *Recorder
	digits chan Digit
	wg     sync.WaitGroup

	mu     sync.Mutex
	peer   *Endpoint
	muted  int
	nPeers int
	tap    *Recorder // a second recording of the caller (a voicemail message)
	mixer  *mixer    // while mixing instead of relaying

	det  DTMFDetector // used by the caller's reader only
	keys []byte

	callerIn, relayIn, toPeer, peerIn, toCaller atomic.Uint64
}

// NewBridge returns the bridge of a call; rec may be nil (no recording).
func NewBridge(caller *Endpoint, rec *Recorder) *Bridge {
	return &Bridge{caller: caller, rec: rec, digits: make(chan Digit, 32)}
}

// Start begins reading the caller's RTP.
func (b *Bridge) Start() {
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		_ = b.caller.Serve(b.fromCaller)
	}()
}

// Caller returns the caller's endpoint.
func (b *Bridge) Caller() *Endpoint { return b.caller }

// Digits delivers the caller's key presses, RFC 4733 and INFO alike.
func (b *Bridge) Digits() <-chan Digit { return b.digits }

// PushDigit delivers a digit that arrived by SIP INFO.
func (b *Bridge) PushDigit(d Digit) {
	b.caller.counters.digit(d.Via)
	select {
	case b.digits <- d:
	default:
	}
}

// DrainDigits discards digits pressed so far (before a question is asked)
// and returns how many there were.
func (b *Bridge) DrainDigits() int {
	for n := 0; ; n++ {
		select {
		case <-b.digits:
		default:
			return n
		}
	}
}

func (b *Bridge) fromCaller(p Packet) {
	d := b.caller.Peer()
	b.mu.Lock()
	peer, tap, mx := b.peer, b.tap, b.mixer
	b.mu.Unlock()
	switch {
	case d.EventPT >= 0 && int(p.PT) == d.EventPT:
		b.keys = b.det.Feed(b.keys[:0], p.SSRC, p.TS, p.Payload)
		for _, k := range b.keys {
			b.PushDigit(Digit{Key: k, Via: ViaRFC4733})
		}
		if peer != nil {
			_ = peer.WriteEvent(p.TS, p.Payload)
		}
	case p.PT == d.Codec.PT:
		b.callerIn.Add(1)
		if b.rec != nil {
			b.rec.Write(Left, d.Codec, p.Payload)
		}
		if tap != nil {
			tap.Write(Left, d.Codec, p.Payload)
		}
		if mx != nil {
			mx.push(b.caller, d.Codec, p.Payload)
		}
		if peer != nil {
			switch err := peer.WriteAudio(srcPeer, p.Payload); {
			case err == nil:
				b.relayIn.Add(1)
				b.toPeer.Add(1)
				b.caller.counters.relayed.Add(1)
			case !errors.Is(err, net.ErrClosed): // a party hanging up is no loss
				b.relayIn.Add(1)
				b.caller.counters.relayFailed.Add(1)
			}
		}
	}
}

// Attach begins reading a party's RTP; it reaches the caller only while
// the party is connected. Closing the party's endpoint ends the reading.
func (b *Bridge) Attach(peer *Endpoint) {
	b.mu.Lock()
	b.nPeers++
	src := srcPeer + b.nPeers
	b.mu.Unlock()
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		_ = peer.Serve(func(p Packet) { b.fromPeer(peer, src, p) })
	}()
}

func (b *Bridge) fromPeer(peer *Endpoint, src int, p Packet) {
	codec := b.caller.Peer().Codec
	if p.PT != peer.Peer().Codec.PT {
		return
	}
	b.mu.Lock()
	live := b.peer == peer && b.muted == 0
	mx := b.mixer
	b.mu.Unlock()
	if mx != nil {
		mx.push(peer, codec, p.Payload)
		return
	}
	if !live {
		return
	}
	b.peerIn.Add(1)
	if err := b.caller.WriteAudio(src, p.Payload); err == nil {
		b.toCaller.Add(1)
		b.caller.counters.relayed.Add(1)
	} else if errors.Is(err, net.ErrClosed) {
		b.peerIn.Add(^uint64(0)) // the caller hung up: no loss
	} else {
		b.caller.counters.relayFailed.Add(1)
	}
	if b.rec != nil {
		b.rec.Write(Right, codec, p.Payload)
	}
}

// Tap records the caller's audio also into rec (nil: stop).
func (b *Bridge) Tap(rec *Recorder) {
	b.mu.Lock()
	b.tap = rec
	b.mu.Unlock()
}

// Connect makes peer the party talking with the caller (nil: nobody). It
// stops a mix.
func (b *Bridge) Connect(peer *Endpoint) {
	b.SetMix(nil)
	b.mu.Lock()
	b.peer = peer
	b.mu.Unlock()
}

// SetMix makes the bridge mix m instead of relaying: nobody is connected
// to the caller, every endpoint of m.Hears is sent its mix each 20 ms, and
// the right channel of the recording gets m.Record. A new mix replaces the
// one running without a break in the music or the recording; nil stops
// mixing (nobody is connected then). Play must not be used while the caller
// is in a mix.
func (b *Bridge) SetMix(m *Mix) {
	b.mu.Lock()
	x := b.mixer
	if m == nil {
		b.mixer = nil
		b.mu.Unlock()
		if x != nil {
			x.stop()
		}
		return
	}
	b.peer = nil
	if x == nil {
		x = newMixer(b.rec)
		b.mixer = x
		x.set(m)
		b.wg.Add(1)
		go func() { defer b.wg.Done(); x.run() }()
	} else {
		x.set(m)
	}
	b.mu.Unlock()
}

// Mixing reports whether the bridge runs a mix.
func (b *Bridge) Mixing() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.mixer != nil
}

// Connected returns the party talking with the caller, or nil.
func (b *Bridge) Connected() *Endpoint {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.peer
}

// Play plays p to the caller, recorded on the right channel; the connected
// party, if any, is not heard meanwhile. It returns ctx.Err() when
// interrupted.
func (b *Bridge) Play(ctx context.Context, p *Prompt) error {
	b.mu.Lock()
	b.muted++
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		b.muted--
		b.mu.Unlock()
	}()
	codec := b.caller.Peer().Codec
	return Play(ctx, b.caller, srcPrompt, p, func(frame []byte) {
		if b.rec != nil {
			b.rec.Write(Right, codec, frame)
		}
	})
}

// Stats returns the packet counters.
func (b *Bridge) Stats() BridgeStats {
	return BridgeStats{CallerIn: b.callerIn.Load(), RelayIn: b.relayIn.Load(), ToPeer: b.toPeer.Load(),
		PeerIn: b.peerIn.Load(), ToCaller: b.toCaller.Load()}
}

// Wait waits for the readers to end, after their endpoints were closed.
func (b *Bridge) Wait() { b.wg.Wait() }
