package media

import (
	"math"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// talker is a phone that sends a tone every 20 ms and keeps what it hears.
type talker struct {
	*phone
	ep   *Endpoint // our side of its stream
	freq float64

	mu    sync.Mutex
	heard []int16
	empty int // packets of pure silence received
}

func newTalker(t *testing.T, ports *Ports, freq float64) *talker {
	ep, err := NewEndpoint(ports)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ep.Close() })
	tk := &talker{phone: newPhone(t), ep: ep, freq: freq}
	ep.SetPeer(Description{Addr: tk.addr(), Codec: PCMU, EventPT: -1, Direction: SendRecv})
	return tk
}

// talk sends its tone until stop and collects what it receives.
func (tk *talker) talk(stop <-chan struct{}, wg *sync.WaitGroup) {
	wg.Add(2)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		pcm := make([]int16, FrameSamples)
		for n := 0; ; n++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			for i := range pcm {
				pcm[i] = int16(5000 * math.Sin(2*math.Pi*tk.freq*float64(n*FrameSamples+i)/SampleRate))
			}
			tk.send(tk.ep.Local(), 0, 7, uint32(n*FrameSamples), PCMU.Encode(nil, pcm))
		}
	}()
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			p, ok := tk.recv(50 * time.Millisecond)
			if !ok {
				continue
			}
			pcm := PCMU.Decode(nil, p.Payload)
			tk.mu.Lock()
			if energy(pcm) == 0 {
				tk.empty++
			}
			tk.heard = append(tk.heard, pcm...)
			tk.mu.Unlock()
		}
	}()
}

// take returns what it heard since the last take.
func (tk *talker) take() (heard []int16, silent int) {
	tk.mu.Lock()
	defer tk.mu.Unlock()
	heard, silent = tk.heard, tk.empty
	tk.heard, tk.empty = nil, 0
	return heard, silent
}

// tonePower returns the mean power of the component of s at freq
// (Goertzel), skipping the first 100 ms (buffers priming).
func tonePower(s []int16, freq float64) float64 {
	if len(s) > 800 {
		s = s[800:]
	}
	k := 2 * math.Cos(2*math.Pi*freq/SampleRate)
	var s1, s2 float64
	for _, v := range s {
		s1, s2 = float64(v)+k*s1-s2, s1
	}
	n := float64(len(s))
	return (s1*s1 + s2*s2 - k*s1*s2) / (n * n)
}

// hears reports which of freqs are present in s (power above 1% of a
// 5000-amplitude tone's).
func hears(s []int16, freqs ...float64) []bool {
	out := make([]bool, len(freqs))
	for i, f := range freqs {
		out[i] = tonePower(s, f) > 0.01*5000*5000/4
	}
	return out
}

// In a three-way mix each party hears the two others and not itself; in a
// consultation the caller hears the music while operator and liaison hear
// each other, and the recording's right channel has the staff voices; a
// listener with no sources gets silence; the recording runs on without a
// gap.
func TestMix(t *testing.T) {
	ports := testPorts(t)
	caller, op, li := newTalker(t, ports, 500), newTalker(t, ports, 800), newTalker(t, ports, 1300)
	rec, err := NewRecorder(filepath.Join(t.TempDir(), "mix.wav"), 2, time.Time{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := NewBridge(caller.ep, rec)
	b.Start()
	b.Attach(op.ep)
	b.Attach(li.ep)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, tk := range []*talker{caller, op, li} {
		tk.talk(stop, &wg)
	}
	start := time.Now()
	phase := func(m *Mix) {
		b.SetMix(m)
		for _, tk := range []*talker{caller, op, li} {
			tk.take()
		}
		time.Sleep(time.Second) // a second of audio to analyse
	}
	check := func(phase, who string, tk *talker, want ...bool) {
		t.Helper()
		heard, _ := tk.take()
		got := hears(heard, 500, 800, 1300, 300)
		for i, f := range []float64{500, 800, 1300, 300} {
			if got[i] != want[i] {
				t.Errorf("%s: the %s hears %v Hz: %v, want %v (%d samples)", phase, who, f, got[i], want[i], len(heard))
			}
		}
	}
	phase(&Mix{Hears: map[*Endpoint]Sources{
		caller.ep: {Voices: []*Endpoint{op.ep, li.ep}},
		op.ep:     {Voices: []*Endpoint{caller.ep, li.ep}},
		li.ep:     {Voices: []*Endpoint{caller.ep, op.ep}},
	}, Record: Sources{Voices: []*Endpoint{op.ep, li.ep}}})
	check("three-way", "caller", caller, false, true, true, false)
	check("three-way", "operator", op, true, false, true, false)
	check("three-way", "liaison", li, true, true, false, false)

	music := NewMusic(nil, Tone("music", 300, time.Second, 0, time.Second))
	phase(&Mix{Hears: map[*Endpoint]Sources{
		caller.ep: {Music: music},
		op.ep:     {Voices: []*Endpoint{li.ep}},
		li.ep:     {Voices: []*Endpoint{op.ep}},
	}, Record: Sources{Voices: []*Endpoint{op.ep, li.ep}}})
	check("consultation", "caller", caller, false, false, false, true)
	check("consultation", "operator", op, false, false, true, false)
	check("consultation", "liaison", li, false, true, false, false)

	phase(&Mix{Hears: map[*Endpoint]Sources{caller.ep: {Music: music}, op.ep: {}}, Record: Sources{Music: music}})
	heard, silent := op.take()
	if len(heard) < 5000 || silent*FrameSamples < len(heard)-2*FrameSamples {
		t.Errorf("on hold the operator got %d samples, %d silent packets; want silence sent", len(heard), silent)
	}
	if heard, _ := li.take(); len(heard) != 0 {
		t.Errorf("the liaison, out of the mix, got %d samples", len(heard))
	}
	b.SetMix(nil)
	close(stop)
	wg.Wait()
	elapsed := time.Since(start)
	info, err := rec.Close()
	if err != nil {
		t.Fatal(err)
	}
	if d := info.Duration - elapsed; d < -100*time.Millisecond || d > 300*time.Millisecond {
		t.Errorf("recording of %v for %v of mixing", info.Duration, elapsed)
	}
	w := readBack(t, info.Path)
	right := w.Channel(Right)
	for name, part := range map[string][]int16{"three-way": right[800:8000], "consultation": right[8800 : 2*8000]} {
		if got := hears(part, 500, 800, 1300, 300); got[0] || !got[1] || !got[2] || got[3] {
			t.Errorf("right channel during the %s: %v, want the operator and liaison only", name, got)
		}
	}
	if got := hears(right[2*8000+800:3*8000], 300, 800); !got[0] || got[1] {
		t.Errorf("right channel on hold: %v, want the music only", got)
	}
	caller.ep.Close()
	op.ep.Close()
	li.ep.Close()
	b.Wait()
}

func TestMusicLoops(t *testing.T) {
	m := NewMusic(NewPrompt("intro", []int16{1, 2}), NewPrompt("loop", []int16{7, 8, 9}))
	got := make([]int16, 7)
	m.next(got[:3])
	m.next(got[3:])
	want := []int16{1, 2, 7, 8, 9, 7, 8}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("music %v, want %v", got, want)
		}
	}
}

func TestMelody(t *testing.T) {
	p := Melody("tune", []Note{{Freq: 440, Dur: 250 * time.Millisecond}, {Dur: 250 * time.Millisecond}, {Freq: 660, Dur: 500 * time.Millisecond}})
	if p.Duration() != time.Second {
		t.Fatalf("melody of %v", p.Duration())
	}
	if got := hears(p.PCM[:2000], 440, 660); !got[0] || got[1] {
		t.Errorf("first note: %v", got)
	}
	if energy(p.PCM[2000:4000]) != 0 {
		t.Error("the rest is not silent")
	}
	if got := hears(p.PCM[4000:], 440, 660); got[0] || !got[1] {
		t.Errorf("last note: %v", got)
	}
}
