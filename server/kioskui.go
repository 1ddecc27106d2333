package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/govhall/govhall/kiosk/web"
)

// kioskPrefix is where the kiosk web app lives. The service worker is
// served from it too, so that its scope covers the whole app.
const kioskPrefix = "/kiosk/"

// kioskCSP keeps the kiosk page to its own server: nothing from the
// internet, no inline script, no framing.
const kioskCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; media-src 'self' blob:; worker-src 'self'; object-src 'none'; base-uri 'self'; form-action 'none'; frame-ancestors 'none'"

// kioskFile is one file of the app, ready to send.
type kioskFile struct {
	body  []byte
	ctype string
}

// kioskApp is the kiosk web app prepared for serving: assets are addressed
// as /kiosk/v/VERSION/PATH, where VERSION is a hash of all files, so that
// they can be cached for a year; the page and the service worker are
// revalidated on every load and name that version.
type kioskApp struct {
	version string
	page    kioskFile
	worker  kioskFile
	assets  map[string]kioskFile
}

// loadKioskApp reads every file of fsys, computes the version and fills the
// placeholders of the page and the service worker.
func loadKioskApp(fsys fs.FS) (*kioskApp, error) {
	files, names, err := readKioskFiles(fsys)
	if err != nil {
		return nil, err
	}
	k := &kioskApp{version: kioskVersion(files, names), assets: map[string]kioskFile{}}
	shell := []string{kioskPrefix}
	for _, p := range names {
		if p == web.Index || p == web.ServiceWorker {
			continue
		}
		k.assets[p] = kioskFile{body: files[p], ctype: contentType(p)}
		shell = append(shell, kioskPrefix+"v/"+k.version+"/"+p)
	}
	list, err := json.Marshal(shell)
	if err != nil {
		return nil, fmt.Errorf("server: kiosk asset list: %w", err)
	}
	k.page = kioskFile{body: k.fill(files[web.Index], nil), ctype: contentType(web.Index)}
	k.worker = kioskFile{body: k.fill(files[web.ServiceWorker], list), ctype: contentType(web.ServiceWorker)}
	return k, nil
}

// readKioskFiles returns the contents of every file of fsys and their
// sorted names; the page and the service worker must be among them.
func readKioskFiles(fsys fs.FS) (map[string][]byte, []string, error) {
	files := map[string][]byte{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		files[p] = b
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("server: read kiosk app: %w", err)
	}
	if files[web.Index] == nil || files[web.ServiceWorker] == nil {
		return nil, nil, fmt.Errorf("server: kiosk app lacks %s or %s", web.Index, web.ServiceWorker)
	}
	names := make([]string, 0, len(files))
	for p := range files {
		names = append(names, p)
	}
	sort.Strings(names)
	return files, names, nil
}

// kioskVersion is a hash of the names and contents of all files: any change
// gives new asset URLs and a new service worker.
func kioskVersion(files map[string][]byte, names []string) string {
	h := sha256.New()
	for _, p := range names {
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(files[p]))
		h.Write(files[p])
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// fill replaces the version and asset list placeholders.
func (k *kioskApp) fill(b, assets []byte) []byte {
	b = bytes.ReplaceAll(b, []byte(web.VersionToken), []byte(k.version))
	if assets != nil {
		b = bytes.ReplaceAll(b, []byte(web.AssetsToken), assets)
	}
	return b
}

// contentType is the Content-Type of an app file, by extension; module
// scripts must be served as JavaScript or the browser refuses them.
func contentType(p string) string {
	switch path.Ext(p) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".json":
		return "application/json; charset=utf-8"
	case ".woff2":
		return "font/woff2"
	case ".txt", ".md":
		return "text/plain; charset=utf-8"
	}
	return "application/octet-stream"
}

// kioskRoutes mounts the kiosk web app: the page at /kiosk/ (opened by a
// kiosk as /kiosk/?terminal=TOKEN), its service worker at /kiosk/sw.js and
// the versioned assets under /kiosk/v/.
func (s *Server) kioskRoutes() {
	s.applyRoutes()
	k, err := loadKioskApp(web.Files())
	if err != nil {
		// The files are embedded in the binary, so this is a build defect;
		// the rest of the server still works.
		s.log.Error("kiosk app not mounted", "err", err)
		return
	}
	s.app.Get(kioskPrefix+"sw.js", k.serveWorker)
	s.app.Get(kioskPrefix+"v/:version/*", k.serveAsset)
	s.app.Get(kioskPrefix, k.servePage)
}

// servePage is GET /kiosk/: the app's page, revalidated on every load.
func (k *kioskApp) servePage(c *fiber.Ctx) error {
	if !strings.HasSuffix(c.Path(), "/") {
		target := kioskPrefix
		if q := string(c.Request().URI().QueryString()); q != "" {
			target += "?" + q
		}
		return c.Redirect(target, http.StatusFound)
	}
	c.Set("Content-Security-Policy", kioskCSP)
	return k.revalidated(c, k.page)
}

// serveWorker is GET /kiosk/sw.js: the service worker, scope /kiosk/.
func (k *kioskApp) serveWorker(c *fiber.Ctx) error {
	return k.revalidated(c, k.worker)
}

// revalidated sends a file that browsers must check before each use; the
// ETag is the version, so an unchanged app costs a 304.
func (k *kioskApp) revalidated(c *fiber.Ctx, f kioskFile) error {
	etag := `"` + k.version + `"`
	c.Set("Cache-Control", "no-cache")
	c.Set("ETag", etag)
	if c.Get("If-None-Match") == etag {
		return c.SendStatus(http.StatusNotModified)
	}
	c.Set("Content-Type", f.ctype)
	return c.Send(f.body)
}

// serveAsset is GET /kiosk/v/{version}/{path}. The current version is
// cached for a year; another version (a page older than the last deploy)
// gets today's file, revalidated, rather than a broken page.
func (k *kioskApp) serveAsset(c *fiber.Ctx) error {
	f, ok := k.assets[c.Params("*")]
	if !ok {
		return fiber.ErrNotFound
	}
	if c.Params("version") == k.version {
		c.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Set("Cache-Control", "no-cache")
	}
	c.Set("Content-Type", f.ctype)
	return c.Send(f.body)
}
