package media

import (
	"math"
	"sync"
	"time"
)

// srcMix names the mixer as the source of an endpoint's audio.
const srcMix = 0

// Mix is what the parties of a call hear while the bridge mixes instead of
// relaying (hold, consultation, three-way call), and what the recording's
// right channel gets. An endpoint missing from Hears is sent nothing; one
// present with no sources is sent silence.
type Mix struct {
	Hears  map[*Endpoint]Sources
	Record Sources
}

// Sources are what is mixed for one listener: the voices received on
// endpoints, and music.
type Sources struct {
	Voices []*Endpoint
	Music  *Music
}

// Music is looped audio for a mix (hold music, ringback): intro once, then
// loop again and again. It keeps its place from one mix to the next, so a
// caller's music goes on across a change of mix.
type Music struct {
	mu      sync.Mutex
	intro   []int16
	loop    []int16
	pos     int // in intro, then in loop once intro is done
	looping bool
}

// NewMusic returns music playing intro (may be nil) once, then loop (may
// be nil: silence).
func NewMusic(intro, loop *Prompt) *Music {
	m := &Music{}
	if intro != nil {
		m.intro = intro.PCM
	}
	if loop != nil {
		m.loop = loop.PCM
	}
	return m
}

// next fills dst with the next samples.
func (m *Music) next(dst []int16) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range dst {
		if !m.looping && m.pos >= len(m.intro) {
			m.looping, m.pos = true, 0
		}
		switch {
		case !m.looping:
			dst[i] = m.intro[m.pos]
			m.pos++
		case len(m.loop) > 0:
			dst[i] = m.loop[m.pos]
			m.pos = (m.pos + 1) % len(m.loop)
		default:
			dst[i] = 0
		}
	}
}

const (
	// primeSamples is how much of a voice is buffered before the mixer
	// takes from it, against packets arriving just after their tick.
	primeSamples = 2 * FrameSamples
	// maxVoiceSamples bounds a voice's buffer; beyond it the oldest
	// samples go (a peer whose clock runs fast).
	maxVoiceSamples = 10 * FrameSamples
)

// voice is the received audio of one endpoint, decoded, waiting for the
// mixer's next tick.
type voice struct {
	pcm    []int16
	primed bool
}

func (v *voice) push(samples []int16) {
	v.pcm = append(v.pcm, samples...)
	if len(v.pcm) > maxVoiceSamples {
		v.pcm = append(v.pcm[:0], v.pcm[len(v.pcm)-primeSamples:]...)
	}
}

// take fills dst with the next samples, silence while the buffer primes
// or when it ran dry.
func (v *voice) take(dst []int16) {
	clear(dst)
	if !v.primed && len(v.pcm) < primeSamples {
		return
	}
	v.primed = true
	n := copy(dst, v.pcm)
	v.pcm = append(v.pcm[:0], v.pcm[n:]...)
	if n < len(dst) {
		v.primed = false
	}
}

// mixer runs a Mix: every 20 ms it takes a frame of each voice and music,
// sums what each listener hears (with clipping), encodes and sends it, and
// records the sum of Record on the right channel.
type mixer struct {
	rec  *Recorder
	quit chan struct{}
	done chan struct{}

	mu     sync.Mutex
	mix    *Mix
	voices map[*Endpoint]*voice
}

func newMixer(rec *Recorder) *mixer {
	return &mixer{rec: rec, quit: make(chan struct{}), done: make(chan struct{}), voices: map[*Endpoint]*voice{}}
}

// set makes m the mix; voices kept from the previous mix keep their buffers.
func (x *mixer) set(m *Mix) {
	x.mu.Lock()
	defer x.mu.Unlock()
	old := x.voices
	x.mix, x.voices = m, map[*Endpoint]*voice{}
	add := func(s Sources) {
		for _, ep := range s.Voices {
			if v, ok := old[ep]; ok {
				x.voices[ep] = v
			} else if x.voices[ep] == nil {
				x.voices[ep] = &voice{}
			}
		}
	}
	for _, s := range m.Hears {
		add(s)
	}
	add(m.Record)
}

// push buffers audio received on ep, if the mix uses it.
func (x *mixer) push(ep *Endpoint, c Codec, payload []byte) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if v := x.voices[ep]; v != nil {
		v.push(c.Decode(nil, payload))
	}
}

// run ticks every 20 ms, each tick at its due time from the start (after a
// stall of more than 100 ms the schedule moves on instead of bursting),
// until stop.
func (x *mixer) run() {
	defer close(x.done)
	const frame, maxLag = 20 * time.Millisecond, 100 * time.Millisecond
	t := time.NewTimer(0)
	defer t.Stop()
	start := time.Now()
	for i := 0; ; i++ {
		select {
		case <-x.quit:
			return
		case <-t.C:
		}
		x.tick()
		due := start.Add(time.Duration(i+1) * frame)
		wait := time.Until(due)
		if wait < -maxLag {
			start, wait = start.Add(-wait-maxLag), 0
		}
		t.Reset(max(wait, 0))
	}
}

// stop ends run and waits for it.
func (x *mixer) stop() {
	close(x.quit)
	<-x.done
}

// tick mixes and sends one frame.
func (x *mixer) tick() {
	x.mu.Lock()
	m := x.mix
	frames := make(map[*Endpoint][]int16, len(x.voices))
	for ep, v := range x.voices {
		f := make([]int16, FrameSamples)
		v.take(f)
		frames[ep] = f
	}
	x.mu.Unlock()
	music := map[*Music][]int16{}
	sum := func(s Sources) []int16 {
		out := make([]int32, FrameSamples)
		for _, ep := range s.Voices {
			addTo(out, frames[ep])
		}
		if s.Music != nil {
			f, ok := music[s.Music]
			if !ok {
				f = make([]int16, FrameSamples)
				s.Music.next(f)
				music[s.Music] = f
			}
			addTo(out, f)
		}
		return clip(out)
	}
	for ep, s := range m.Hears {
		_ = ep.WriteAudio(srcMix, ep.Peer().Codec.Encode(nil, sum(s)))
	}
	if x.rec != nil {
		x.rec.WritePCM(Right, sum(m.Record))
	}
}

func addTo(acc []int32, f []int16) {
	for i, v := range f {
		acc[i] += int32(v)
	}
}

// clip returns the sums as 16-bit samples, clipped.
func clip(acc []int32) []int16 {
	out := make([]int16, len(acc))
	for i, v := range acc {
		out[i] = int16(max(min(v, math.MaxInt16), math.MinInt16))
	}
	return out
}
