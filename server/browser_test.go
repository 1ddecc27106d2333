package server_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// browser is a headless Chromium tab for the page tests (kiosk and
// consoles), collecting the page's JavaScript errors.
type browser struct {
	t   *testing.T
	tab context.Context
	art string

	mu     sync.Mutex
	errors []string // JavaScript exceptions and console errors
}

// newBrowser starts Chromium; screenshots go to the artifacts dir named.
func newBrowser(t *testing.T, name string) *browser {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("the page tests need headless Chromium at %s (make test installs it, or .ci/install-deps chromium fonts-noto-cjk): %v", chromiumPath, err)
	}
	b := &browser{t: t, art: artifactsDir(t, name)}
	b.tab = b.startChromium()
	return b
}

// tabHolder is anything with a browser tab (a rig embedding *browser).
type tabHolder interface{ tb() *browser }

func (k *browser) tb() *browser { return k }

// pageErrors fails the test for every JavaScript error the page logged.
func (k *browser) pageErrors() {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, e := range k.errors {
		k.t.Errorf("page error: %s", e)
	}
}

// shot saves a screenshot of the viewport as NAME.png in the artifacts dir.
func (k *browser) shot(name string) {
	ctx, cancel := context.WithTimeout(k.tab, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		k.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(k.art, name+".png"), png, 0o644); err != nil {
		k.t.Errorf("screenshot %s: %v", name, err)
	}
}

func artifactsDir(t *testing.T, name string) string {
	dir := os.Getenv("GOVHALL_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	dir = filepath.Join(dir, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func (k *browser) startChromium() context.Context {
	profile := k.t.TempDir()
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath), chromedp.UserDataDir(profile), chromedp.WindowSize(1920, 1080),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true), chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true), chromedp.Flag("lang", "zh-CN"))
	tab, cancelTab := chromedp.NewContext(actx)
	k.t.Cleanup(func() { cancelTab(); cancelAlloc() })
	if err := chromedp.Do(tab); err != nil {
		k.t.Fatalf("start Chromium: %v", err)
	}
	err := chromedp.Listen(tab, func(ev any) {
		var msg string
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			msg = "exception: " + e.ExceptionDetails.Text
			if e.ExceptionDetails.Exception != nil {
				msg += " " + e.ExceptionDetails.Exception.Description
			}
		case *runtime.EventConsoleAPICalled:
			if e.Type != runtime.ConsoleAPICalledTypeError {
				return
			}
			msg = "console.error:"
			for _, a := range e.Args {
				msg += " " + string(a.Value) + a.Description
			}
		default:
			return
		}
		k.mu.Lock()
		k.errors = append(k.errors, msg)
		k.mu.Unlock()
	})
	if err != nil {
		k.t.Fatal(err)
	}
	return tab
}

// do runs browser actions with a time limit; on failure it saves a
// screenshot of what the kiosk showed.
func (k *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	k.t.Helper()
	ctx, cancel := context.WithTimeout(k.tab, 40*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		k.shot("failed")
		k.t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in the page and decodes its value.
func eval[T any](h tabHolder, expr string) T {
	k := h.tb()
	k.t.Helper()
	ctx, cancel := context.WithTimeout(k.tab, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		k.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitJS waits until a JavaScript expression is truthy.
func waitJS(expr string, timeout time.Duration) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(timeout))
}

// tap touches an element the way a finger does (touch events, then click).
func tap(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Tap(chromedp.CSS(sel))
}

// jsq quotes a string for JavaScript.
func jsq(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// textOf waits for an element and returns its text.
func (k *browser) textOf(sel string) string {
	k.t.Helper()
	k.do("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
	return eval[string](k, `document.querySelector(`+jsq(sel)+`).innerText`)
}
