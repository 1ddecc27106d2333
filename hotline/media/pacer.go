package media

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Frame pacing of prompts.
const (
	frameTime = 20 * time.Millisecond
	// maxLagFrames is how far a prompt may fall behind its schedule (a
	// stalled machine) before the schedule moves on instead of bursting.
	maxLagFrames = 5
)

// pacer sends the frames of every prompt playing on the endpoints of one
// Ports, from one goroutine per core that wakes every 20 ms, instead of a
// timer and a wake-up per prompt and frame: with hundreds of calls in
// their greeting the wake-ups cost more than the packets.
type pacer struct {
	shards []*pacerShard
	next   atomic.Uint32
}

type pacerShard struct {
	mu      sync.Mutex
	players []*player
	running bool // a goroutine is pacing the shard's players
}

// player is one prompt playing on one endpoint.
type player struct {
	ep    *Endpoint
	src   int
	name  string
	data  []byte
	tap   func([]byte)
	start time.Time // when frame 0 was due
	frame int       // the next frame to send
	done  chan error

	mu      sync.Mutex // held while a frame is sent and tapped
	stopped bool
}

func newPacer() *pacer {
	p := &pacer{shards: make([]*pacerShard, runtime.GOMAXPROCS(0))}
	for i := range p.shards {
		p.shards[i] = &pacerShard{}
	}
	return p
}

// play sends the first frame of pl at once and hands the rest to a shard,
// starting the shard's goroutine if it is idle; the result arrives on
// pl.done.
func (p *pacer) play(pl *player) {
	if pl.step(time.Now()) {
		return
	}
	s := p.shards[int(p.next.Add(1))%len(p.shards)]
	s.mu.Lock()
	s.players = append(s.players, pl)
	start := !s.running
	s.running = true
	s.mu.Unlock()
	if start {
		go s.run()
	}
}

// run sends due frames every 20 ms while any player is on the shard and
// returns once none is left, so that an idle Ports holds no goroutine.
func (s *pacerShard) run() {
	tick := time.NewTicker(frameTime)
	defer tick.Stop()
	var batch []*player
	for {
		now := <-tick.C
		s.mu.Lock()
		batch = append(batch[:0], s.players...)
		s.mu.Unlock()
		finished := 0
		for _, pl := range batch {
			if pl.step(now) {
				finished++
			}
		}
		clear(batch)
		if finished > 0 {
			s.remove()
		}
		s.mu.Lock()
		if len(s.players) == 0 {
			s.running = false
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
	}
}

// remove drops the players that ended from the shard.
func (s *pacerShard) remove() {
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := s.players[:0]
	for _, pl := range s.players {
		if !pl.ended() {
			kept = append(kept, pl)
		}
	}
	clear(s.players[len(kept):])
	s.players = kept
}

// step sends the frames of pl that are due at now; it reports whether pl
// has ended (played out, failed or stopped), having sent its result.
func (pl *player) step(now time.Time) bool {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	if pl.stopped {
		return true
	}
	due := int(now.Sub(pl.start) / frameTime)
	if late := due - pl.frame; late > maxLagFrames {
		pl.start = pl.start.Add(time.Duration(late-maxLagFrames) * frameTime)
		due = pl.frame + maxLagFrames
	}
	for ; pl.frame <= due; pl.frame++ {
		off := pl.frame * FrameSamples
		if off >= len(pl.data) {
			return pl.finish(nil)
		}
		pkt := pl.data[off:min(off+FrameSamples, len(pl.data))]
		if err := pl.ep.writeAudio(pl.src, pkt, pl.frame > 0); err != nil {
			return pl.finish(fmt.Errorf("media: play %s: %w", pl.name, err))
		}
		if pl.tap != nil {
			pl.tap(pkt)
		}
	}
	if pl.frame*FrameSamples >= len(pl.data) {
		return pl.finish(nil)
	}
	return false
}

func (pl *player) finish(err error) bool {
	pl.stopped = true
	pl.done <- err
	return true
}

func (pl *player) ended() bool {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	return pl.stopped
}

// stop ends pl; no frame is sent or tapped after it returns.
func (pl *player) stop() {
	pl.mu.Lock()
	pl.stopped = true
	pl.mu.Unlock()
}

// Play sends p to ep in 20 ms packets, each at its due time from the
// start (no drift; after a stall of more than 100 ms the schedule moves on
// instead of bursting), until it ends or ctx is done. tap, if not nil,
// sees every payload sent (for the recording). It returns ctx.Err() when
// interrupted. The frames are sent by the pacer of the endpoint's Ports.
func Play(ctx context.Context, ep *Endpoint, src int, p *Prompt, tap func([]byte)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	data := p.Encoded(ep.Peer().Codec)
	if len(data) == 0 {
		return nil
	}
	pl := &player{ep: ep, src: src, name: p.Name, data: data, tap: tap, start: time.Now(), done: make(chan error, 1)}
	ep.pacer.play(pl)
	select {
	case err := <-pl.done:
		return err
	case <-ctx.Done():
		pl.stop()
		select {
		case err := <-pl.done: // it ended meanwhile
			return err
		default:
			return ctx.Err()
		}
	}
}
