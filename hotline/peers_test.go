package hotline

import (
	"path/filepath"
	"testing"

	"github.com/govhall/govhall/hotline/peers"
)

// The hotline's tests drive real peers through hotline/peers; these name
// the scenarios of testdata/sipp.

// startSipp runs the scenario testdata/sipp/NAME against target.
func startSipp(t testing.TB, scenario, target string, args ...string) *peers.Sipp {
	t.Helper()
	return peers.StartSipp(t, filepath.Join("testdata", "sipp", scenario), target, args...)
}

func startBaresip(t testing.TB, ext, password, sipAddr string) *peers.Baresip {
	t.Helper()
	return peers.StartBaresip(t, ext, password, sipAddr)
}

func startBaresipTone(t testing.TB, ext, password, sipAddr string, freq int) *peers.Baresip {
	t.Helper()
	return peers.StartBaresipTone(t, ext, password, sipAddr, freq)
}
