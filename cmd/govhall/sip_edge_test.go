package main

import (
	"slices"
	"strings"
	"testing"
)

// TestSIPEdgeConfig: GOVHALL_SIP_EDGE reads IP addresses, each with a port
// or not; anything else is refused naming the variable.
func TestSIPEdgeConfig(t *testing.T) {
	c, err := loadConfig(env(map[string]string{"GOVHALL_SIP_EDGE": " 10.0.0.5, 10.0.0.6:5070 ,::1"}))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"10.0.0.5", "10.0.0.6:5070", "::1"}; !slices.Equal(c.SIP.Edges, want) {
		t.Errorf("edges %q, want %q", c.SIP.Edges, want)
	}
	for _, bad := range []string{"edge.example", "sip:10.0.0.5", "10.0.0.5:sip", "10.0.0.0/24"} {
		if _, err := loadConfig(env(map[string]string{"GOVHALL_SIP_EDGE": bad})); err == nil || !strings.Contains(err.Error(), "GOVHALL_SIP_EDGE") {
			t.Errorf("%q: %v, want an error naming GOVHALL_SIP_EDGE", bad, err)
		}
	}
}
