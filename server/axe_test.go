package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// axe-core (npm, pinned in webdeps/package-lock.json, fetched by
// `make webdeps`) checks every screen the browser tests reach against
// WCAG 2.1 A and AA.

const axePath = "webdeps/node_modules/axe-core/axe.min.js"

var axeSource = sync.OnceValues(func() (string, error) {
	b, err := os.ReadFile(axePath)
	if err != nil {
		return "", fmt.Errorf("axe-core is missing (make webdeps fetches it from npm): %w", err)
	}
	return string(b), nil
})

// axeViolation is one rule axe-core found broken, with the elements.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// axeRunJS runs axe-core on the whole page for WCAG 2.1 A/AA and returns
// the violations in a compact form. The DevTools evaluation is not bound
// by the page's Content-Security-Policy, so the page's own CSP stays strict.
const axeRunJS = `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    resultTypes: ['violations'], rules: %s })
  .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact || '', help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ') + ' ' + (n.failureSummary || '').replace(/\s+/g, ' ').slice(0, 160)) })))`

// axeCheck runs axe-core in the tab and fails the test for every critical
// or serious violation; moderate and minor ones are logged. skip names
// rules the caller has decided against, each with its reason at the call.
func axeCheck(t *testing.T, tab context.Context, screen string, skip ...string) {
	t.Helper()
	src, err := axeSource()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(tab, 30*time.Second)
	defer cancel()
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === 'object'`))
	if err == nil && !loaded {
		_, err = chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](src+"\n;undefined"))
	}
	if err != nil {
		t.Fatalf("%s: load axe-core: %v", screen, err)
	}
	rules := map[string]map[string]bool{}
	for _, r := range skip {
		rules[r] = map[string]bool{"enabled": false}
	}
	opts, _ := json.Marshal(rules)
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](fmt.Sprintf(axeRunJS, opts), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: run axe-core: %v", screen, err)
	}
	for _, v := range vs {
		msg := fmt.Sprintf("%s: axe %s (%s): %s\n\t%s", screen, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n\t"))
		if v.Impact == "critical" || v.Impact == "serious" {
			t.Error(msg)
		} else {
			t.Log(msg)
		}
	}
}
