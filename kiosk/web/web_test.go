package web_test

import (
	"io/fs"
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/govhall/govhall/kiosk/web"
)

func readAll(t *testing.T) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := fs.WalkDir(web.Files(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(web.Files(), p)
		files[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestShellFilesExist(t *testing.T) {
	files := readAll(t)
	for _, p := range []string{web.Index, web.ServiceWorker, "app.css", "js/main.js"} {
		if files[p] == "" {
			t.Errorf("%s is missing or empty", p)
		}
	}
	if !strings.Contains(files[web.Index], web.VersionToken) {
		t.Errorf("%s does not reference assets under v/%s/", web.Index, web.VersionToken)
	}
	if !strings.Contains(files[web.ServiceWorker], web.AssetsToken) {
		t.Errorf("%s has no %s placeholder for the precache list", web.ServiceWorker, web.AssetsToken)
	}
}

var (
	importRe   = regexp.MustCompile(`(?m)^\s*import\s+(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]`)
	urlRe      = regexp.MustCompile(`https?://[^\s'"]+`)
	srcHrefRe  = regexp.MustCompile(`(?:src|href)="([^"]+)"`)
	svgNS      = "http://www.w3.org/2000/svg"
	versionDir = "v/" + web.VersionToken + "/"
)

// TestNothingFromTheInternet: kiosks are often on closed networks, so no
// file may load anything from another host.
func TestNothingFromTheInternet(t *testing.T) {
	for p, body := range readAll(t) {
		for _, u := range urlRe.FindAllString(body, -1) {
			if u != svgNS {
				t.Errorf("%s refers to %s: kiosks on closed networks cannot load it", p, u)
			}
		}
		if strings.Contains(body, "url(//") || strings.Contains(body, `src="//`) || strings.Contains(body, `href="//`) {
			t.Errorf("%s has a protocol-relative URL", p)
		}
	}
}

// TestModulesResolve follows the imports from main.js: every import names a
// file that exists, and every script is reachable (no dead files).
func TestModulesResolve(t *testing.T) {
	files := readAll(t)
	var entries []string
	for _, m := range srcHrefRe.FindAllStringSubmatch(files[web.Index], -1) {
		ref, ok := strings.CutPrefix(m[1], versionDir)
		if !ok {
			t.Errorf("%s: %q is not under %s, so it would not be versioned", web.Index, m[1], versionDir)
			continue
		}
		if _, exists := files[ref]; !exists {
			t.Errorf("%s: %q does not exist", web.Index, ref)
		}
		entries = append(entries, ref)
	}
	seen := map[string]bool{}
	for len(entries) > 0 {
		p := entries[0]
		entries = entries[1:]
		if seen[p] || path.Ext(p) != ".js" {
			seen[p] = true
			continue
		}
		seen[p] = true
		for _, m := range importRe.FindAllStringSubmatch(files[p], -1) {
			spec := m[1]
			if !strings.HasPrefix(spec, "./") && !strings.HasPrefix(spec, "../") {
				t.Errorf("%s imports %q: only relative module paths work without a build step", p, spec)
				continue
			}
			target := path.Join(path.Dir(p), spec)
			if _, ok := files[target]; !ok {
				t.Errorf("%s imports %q, which does not exist", p, spec)
			}
			entries = append(entries, target)
		}
	}
	for p := range files {
		if path.Ext(p) == ".js" && p != web.ServiceWorker && !seen[p] {
			t.Errorf("%s is never imported", p)
		}
	}
}
