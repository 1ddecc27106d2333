// Package console holds the staff consoles' pages and scripts (/console/):
// html/template pages that the server renders with the same domain data as
// the JSON API, a stylesheet, and small ES modules of our own for what a
// page must do without a round trip (the live event stream, the call
// panel, forms that post to the API). Nothing comes from the internet;
// everything is embedded in the binary.
package console

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"
)

//go:embed templates static
var files embed.FS

// Pages are the console's templates, one set per page, each with the
// shared layout. Execute "layout" with a page's data.
type Pages map[string]*template.Template

// Load parses the layout with every page template. funcs are available in
// every template.
func Load(funcs template.FuncMap) (Pages, error) {
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("console: layout: %w", err)
	}
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	ps := Pages{}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(files, n)
		if err != nil {
			return nil, fmt.Errorf("console: page %s: %w", name, err)
		}
		ps[name] = t
	}
	return ps, nil
}

// Static returns the stylesheet and scripts, served under
// /console/static/v/VERSION/.
func Static() fs.FS {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		// "static" is a constant, valid directory name.
		panic(err)
	}
	return sub
}

// Version is a hash of the static files, so that their URLs change when
// they do and can be cached for long.
func Version() string {
	h := sha256.New()
	var names []string
	fs.WalkDir(Static(), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return nil
	})
	sort.Strings(names)
	for _, n := range names {
		b, _ := fs.ReadFile(Static(), n)
		h.Write([]byte(n))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// Funcs are template helpers the pages share.
func Funcs(loc *time.Location) template.FuncMap {
	return template.FuncMap{
		"datetime": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(loc).Format("2006-01-02 15:04")
		},
		"date": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(loc).Format("2006-01-02")
		},
		"iso":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"add1": func(n int) int { return n + 1 },
		"sub1": func(n int) int { return n - 1 },
	}
}
