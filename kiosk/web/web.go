// Package web holds the kiosk's web app: the touch UI that Chromium shows
// in kiosk mode on the terminals of 政务公开专区, libraries and archives. It
// is plain HTML, CSS and JavaScript modules with no build step and nothing
// loaded from the internet, embedded in the binary so that a kiosk on a
// closed network gets everything from the govhall server.
//
// The files contain the placeholders VersionToken and AssetsToken, which
// the server replaces when it serves index.html and sw.js (see package
// server): assets are requested under v/VERSION/ so that they can be cached
// for a long time, and the service worker precaches exactly that list.
package web

import (
	"embed"
	"io/fs"
)

//go:embed static
var static embed.FS

// Placeholders in index.html and sw.js that the server fills in.
const (
	// VersionToken stands for the content hash of the app's files.
	VersionToken = "__KIOSK_VERSION__"
	// AssetsToken stands for the JSON array of the URLs the service worker
	// precaches (only in sw.js).
	AssetsToken = "__KIOSK_ASSETS__"
)

// Shell files that are served at fixed URLs rather than under v/VERSION/.
const (
	// Index is the app's page, served at /kiosk/.
	Index = "index.html"
	// ServiceWorker is served at /kiosk/sw.js so that its scope is /kiosk/.
	ServiceWorker = "sw.js"
)

// Files returns the app's files with index.html, sw.js and app.css at the
// root and the JavaScript modules under js/.
func Files() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		// fs.Sub fails only for an invalid directory name; "static" is a
		// constant, valid one, so this cannot happen at run time.
		panic(err)
	}
	return sub
}
