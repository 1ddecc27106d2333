package hotline

import (
	"bytes"
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

// What admins do with the prompts (the console's 提示音 page): list them,
// listen to them, replace one with their own recording and go back to the
// synthesised default. A replaced prompt is NAME.wav like any other, with
// an empty NAME.custom beside it that marks it as the admin's.

// Limits of an uploaded prompt.
const (
	MaxPromptDuration = 2 * time.Minute
	minPromptDuration = 200 * time.Millisecond
)

// ErrBadPrompt is an uploaded prompt the hotline cannot play; its message
// says why and how to convert the file, in Chinese.
var ErrBadPrompt = errors.New("hotline: bad prompt")

// ErrNoPrompt is a prompt name the hotline does not play.
var ErrNoPrompt = errors.New("hotline: no such prompt")

// PromptFile is a prompt as the admin's list shows it.
type PromptFile struct {
	Name     string    `json:"name"`
	Text     string    `json:"text"`     // what the default says
	Custom   bool      `json:"custom"`   // an admin's recording replaces the default
	Duration float64   `json:"duration"` // seconds; 0 when the file cannot be read
	Size     int64     `json:"size"`
	Modified time.Time `json:"modified"`
	Problem  string    `json:"problem,omitempty"` // why the file cannot be played
}

// PromptFiles lists the prompts of dir in PromptNames order.
func PromptFiles(dir string) ([]PromptFile, error) {
	var out []PromptFile
	for _, name := range PromptNames() {
		f, err := promptFile(dir, name)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

func promptFile(dir, name string) (PromptFile, error) {
	text, ok := promptTexts()[name]
	if !ok {
		return PromptFile{}, fmt.Errorf("%w: %q", ErrNoPrompt, name)
	}
	f := PromptFile{Name: name, Text: text}
	_, err := os.Stat(filepath.Join(dir, name+".custom"))
	f.Custom = err == nil
	path := filepath.Join(dir, name+".wav")
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		f.Problem = "文件不存在，重启后会自动生成"
		return f, nil
	}
	if err != nil {
		return f, fmt.Errorf("hotline: prompt %s: %w", name, err)
	}
	f.Size, f.Modified = st.Size(), st.ModTime()
	if p, err := media.LoadPrompt(name, path); err != nil {
		f.Problem = "文件格式不对，热线放不出来，请重新上传或恢复默认"
	} else {
		f.Duration = p.Duration().Seconds()
	}
	return f, nil
}

// PromptPath returns the WAV file of a prompt in dir, or ErrNoPrompt.
func PromptPath(dir, name string) (string, error) {
	if _, ok := promptTexts()[name]; !ok {
		return "", fmt.Errorf("%w: %q", ErrNoPrompt, name)
	}
	return filepath.Join(dir, name+".wav"), nil
}

// convertHint tells an admin how to make a file the hotline plays.
const convertHint = "请上传 8000 Hz、单声道、16 位 PCM 的 WAV 文件（可用 sox 转换：sox 原文件 -r 8000 -c 1 -b 16 -e signed-integer 新文件.wav）"

// CheckPromptWAV checks that wav is a prompt the hotline plays as it is —
// what media.LoadPrompt reads: 16-bit PCM, 8000 Hz, mono — of a sensible
// length, and returns its length. Anything else is ErrBadPrompt.
func CheckPromptWAV(wav []byte) (time.Duration, error) {
	w, err := media.ReadWAV(bytes.NewReader(wav))
	if err != nil {
		if len(wav) < 12 || string(wav[0:4]) != "RIFF" || string(wav[8:12]) != "WAVE" {
			return 0, fmt.Errorf("%w: 这不是 WAV 文件。%s", ErrBadPrompt, convertHint)
		}
		return 0, fmt.Errorf("%w: 只能使用 16 位 PCM 编码、单声道的 WAV 文件（MP3、ADPCM、8 位或 24 位等格式不行）。%s", ErrBadPrompt, convertHint)
	}
	if w.Rate != media.SampleRate || w.Channels != 1 {
		return 0, fmt.Errorf("%w: 文件是 %d Hz、%d 声道，热线需要 8000 Hz 单声道。%s", ErrBadPrompt, w.Rate, w.Channels, convertHint)
	}
	d := time.Duration(len(w.Samples)) * time.Second / media.SampleRate
	switch {
	case d < minPromptDuration:
		return d, fmt.Errorf("%w: 录音太短（%.1f 秒），没有可播放的声音", ErrBadPrompt, d.Seconds())
	case d > MaxPromptDuration:
		return d, fmt.Errorf("%w: 录音太长（%.0f 秒），提示音最长 %.0f 秒", ErrBadPrompt, d.Seconds(), MaxPromptDuration.Seconds())
	}
	return d, nil
}

// WritePrompt replaces prompt name in dir with an admin's recording,
// checked by CheckPromptWAV. The file is replaced whole (written beside it,
// then renamed), so a call never plays half of it.
func WritePrompt(dir, name string, wav []byte) (PromptFile, error) {
	path, err := PromptPath(dir, name)
	if err != nil {
		return PromptFile{}, err
	}
	if _, err := CheckPromptWAV(wav); err != nil {
		return PromptFile{}, err
	}
	tmp := path + ".upload"
	if err := os.WriteFile(tmp, wav, 0o644); err != nil {
		return PromptFile{}, fmt.Errorf("hotline: write prompt %s: %w", name, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return PromptFile{}, fmt.Errorf("hotline: write prompt %s: %w", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".custom"), nil, 0o644); err != nil {
		return PromptFile{}, fmt.Errorf("hotline: mark prompt %s: %w", name, err)
	}
	return promptFile(dir, name)
}

// RestorePrompt puts the synthesised default of prompt name back in dir
// (espeak-ng + sox, as EnsurePrompts does) and drops the admin's mark.
func RestorePrompt(ctx context.Context, dir, name string) (PromptFile, error) {
	path, err := PromptPath(dir, name)
	if err != nil {
		return PromptFile{}, err
	}
	if err := media.Synthesize(ctx, promptTexts()[name], path); err != nil {
		return PromptFile{}, fmt.Errorf("hotline: restore prompt %s: %w", name, err)
	}
	if err := os.Remove(filepath.Join(dir, name+".custom")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return PromptFile{}, fmt.Errorf("hotline: restore prompt %s: %w", name, err)
	}
	return promptFile(dir, name)
}
