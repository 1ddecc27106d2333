package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The markers around the generated table in README.md's Performance
// section.
const (
	startMarker = "<!-- bench-summary:start -->"
	endMarker   = "<!-- bench-summary:end -->"
)

// errMarkers is returned for a README without exactly one start marker
// followed by exactly one end marker.
var errMarkers = errors.New("benchsummary: the README needs one " + startMarker + " line followed by one " + endMarker + " line")

// replaceBlock puts block between the markers of text, in place of what
// was there. Running it again with the same block changes nothing.
func replaceBlock(text, block string) (string, error) {
	if strings.Count(text, startMarker) != 1 || strings.Count(text, endMarker) != 1 {
		return "", errMarkers
	}
	start := strings.Index(text, startMarker) + len(startMarker)
	end := strings.Index(text, endMarker)
	if end < start {
		return "", errMarkers
	}
	// Blank lines around the block, so that Markdown ends the table before
	// the end marker.
	return text[:start] + "\n\n" + strings.TrimSpace(block) + "\n\n" + text[end:], nil
}

// writeFile writes data to path through a temporary file in its directory,
// so that a reader never sees it half-written.
func writeFile(path string, data []byte) error {
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".benchsummary-*")
	if err != nil {
		return fmt.Errorf("benchsummary: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename there is nothing left to remove
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("benchsummary: write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("benchsummary: write %s: %w", tmp.Name(), err)
	}
	if err := os.Chmod(tmp.Name(), mode); err != nil {
		return fmt.Errorf("benchsummary: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("benchsummary: %w", err)
	}
	return nil
}
