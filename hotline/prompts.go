package hotline

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/govhall/govhall/hotline/media"
)

// promptTexts are the spoken prompts, synthesised with espeak-ng's
// Mandarin voice when their WAV file is missing. Admins may replace any
// file (8 kHz mono 16-bit WAV) in the prompts directory.
func promptTexts() map[string]string {
	return map[string]string{
		"greeting":        "您好，欢迎致电96128政务信息查询专线。为了提高服务质量，您的通话将被录音。",
		"closed":          "现在是非工作时间。请在提示音后留言，说明您的问题和联系方式，按井号键结束。我们将在工作日答复您。",
		"queue-ahead":     "话务员正忙，您前面还有",
		"queue-callers":   "位来电，请稍候。",
		"queue-wait":      "话务员正忙，请稍候。",
		"queue-timeout":   "现在话务员都在忙。请在提示音后留言，说明您的问题和联系方式，按井号键结束。",
		"transferring":    "正在为您转接相关部门，请稍候。",
		"transfer-back":   "对不起，相关部门暂时无法接听，正在为您转回话务员。",
		"transfer-choice": "对不起，相关部门暂时无法接听。如需留下您的问题，请按1；继续等待话务员，请按2。",
		"question":        "请在提示音后说出您的问题和联系方式，按井号键结束。",
		"recorded":        "您的留言已记录，我们将尽快答复。",
		"code-intro":      "您的留言已记录。您的查询码是",
		"code-again":      "再重复一遍，查询码是",
		"code-outro":      "请记好您的查询码，可用它查询办理进度。",
		"readout-intro":   "已为您登记查询单，您的查询码是",
		"survey":          "请您对本次服务进行评价。非常满意请按5，满意请按4，一般请按3，不满意请按2，非常不满意请按1。",
		"survey-thanks":   "感谢您的评价，再见。",
		"goodbye":         "感谢您的来电，再见。",
		"operator-failed": "转接未成功，来电已转回给您。",
		"hold-intro":      "请稍候，不要挂机。",
		"digit-0":         "零",
		"digit-1":         "幺",
		"digit-2":         "二",
		"digit-3":         "三",
		"digit-4":         "四",
		"digit-5":         "五",
		"digit-6":         "六",
		"digit-7":         "七",
		"digit-8":         "八",
		"digit-9":         "九",
	}
}

// Prompts are the loaded prompts by name, plus generated tones.
type Prompts map[string]*media.Prompt

// EnsurePrompts synthesises (espeak-ng + sox) every prompt whose WAV file
// is missing from dir. Files already there, generated or replaced by an
// admin, are kept.
func EnsurePrompts(ctx context.Context, dir string) error {
	for name, text := range promptTexts() {
		path := filepath.Join(dir, name+".wav")
		if _, err := os.Stat(path); err == nil {
			continue
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("hotline: prompt %s: %w", name, err)
		}
		if err := media.Synthesize(ctx, text, path); err != nil {
			return fmt.Errorf("hotline: prompt %s: %w", name, err)
		}
	}
	return nil
}

// LoadPrompts reads every prompt from dir and adds the tones.
func LoadPrompts(dir string) (Prompts, error) {
	ps := Prompts{}
	for name := range promptTexts() {
		p, err := media.LoadPrompt(name, filepath.Join(dir, name+".wav"))
		if err != nil {
			return nil, fmt.Errorf("hotline: %w", err)
		}
		ps[name] = p
	}
	ps["beep"] = media.Tone("beep", 1000, 400*time.Millisecond, 0, 400*time.Millisecond)
	// China's ringback tone: 450 Hz, 1 s on, 4 s off.
	ps["ringback"] = media.Tone("ringback", 450, time.Second, 4*time.Second, 10*time.Second)
	ps["hold"] = media.Concat("hold", media.Tone("hold", 440, 200*time.Millisecond, 0, 200*time.Millisecond), media.Silence(3*time.Second))
	ps["pause"] = media.Silence(500 * time.Millisecond)
	music, err := loadMusic(dir)
	if err != nil {
		return nil, err
	}
	ps["music"] = music
	return ps, nil
}

// loadMusic returns the hold music: music.wav of the prompts directory
// when an admin put one there (8 kHz mono 16-bit), else a melody — the
// first phrases of 茉莉花 — and a pause.
func loadMusic(dir string) (*media.Prompt, error) {
	path := filepath.Join(dir, "music.wav")
	if _, err := os.Stat(path); err == nil {
		p, err := media.LoadPrompt("music", path)
		if err != nil {
			return nil, fmt.Errorf("hotline: %w", err)
		}
		return p, nil
	}
	const c, d, e, g, a, c2 = 261.63, 293.66, 329.63, 392.00, 440.00, 523.25
	q, h := 300*time.Millisecond, 600*time.Millisecond
	var notes []media.Note
	for _, n := range []struct {
		f float64
		d time.Duration
	}{
		{e, h}, {e, q}, {g, q}, {a, q}, {c2, q}, {c2, q}, {a, q}, {g, h}, {g, q}, {a, q}, {g, h + h},
		{e, h}, {e, q}, {g, q}, {a, q}, {c2, q}, {c2, q}, {a, q}, {g, h}, {g, q}, {a, q}, {g, h + h},
		{g, h}, {g, h}, {g, h}, {e, q}, {g, q}, {a, h}, {a, h}, {g, h + h},
		{e, h}, {d, q}, {e, q}, {g, h}, {e, q}, {d, q}, {c, h}, {c, q}, {d, q}, {c, h + h},
	} {
		notes = append(notes, media.Note{Freq: n.f, Dur: n.d})
	}
	return media.Concat("music", media.Melody("music", notes), media.Silence(time.Second)), nil
}

// number returns the digits of s read one by one.
func (ps Prompts) number(s string) []*media.Prompt {
	var out []*media.Prompt
	for _, r := range s {
		if r >= '0' && r <= '9' {
			out = append(out, ps["digit-"+string(r)])
		}
	}
	return out
}
