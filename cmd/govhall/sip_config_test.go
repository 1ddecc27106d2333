package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestSIPSettingsConfig: GOVHALL_SIP_RATE reads RATE or RATE:BURST (burst
// 5×rate by default), GOVHALL_SIP_DOMAINS a comma-separated list; bad
// values name the variable.
func TestSIPSettingsConfig(t *testing.T) {
	c, err := loadConfig(env(nil))
	if err != nil || c.SIP.Rate != 0 || c.SIP.Burst != 0 || len(c.SIP.Domains) != 0 {
		t.Fatalf("defaults: %+v %v, want the hotline's", c.SIP, err)
	}
	c, err = loadConfig(env(map[string]string{"GOVHALL_SIP_RATE": "50:200", "GOVHALL_SIP_DOMAINS": " hotline.county.gov.cn, 203.0.113.7 ,::1"}))
	if err != nil || c.SIP.Rate != 50 || c.SIP.Burst != 200 {
		t.Fatalf("50:200: %+v %v", c.SIP, err)
	}
	if want := []string{"hotline.county.gov.cn", "203.0.113.7", "::1"}; !slices.Equal(c.SIP.Domains, want) {
		t.Errorf("domains %q, want %q", c.SIP.Domains, want)
	}
	if c, err = loadConfig(env(map[string]string{"GOVHALL_SIP_RATE": "20"})); err != nil || c.SIP.Rate != 20 || c.SIP.Burst != 100 {
		t.Errorf("20: %+v %v, want burst 100", c.SIP, err)
	}
	for _, bad := range []map[string]string{
		{"GOVHALL_SIP_RATE": "fast"}, {"GOVHALL_SIP_RATE": "0"}, {"GOVHALL_SIP_RATE": "-5:10"}, {"GOVHALL_SIP_RATE": "50:"},
		{"GOVHALL_SIP_RATE": "50:1.5"}, {"GOVHALL_SIP_DOMAINS": "sip:hotline.example"}, {"GOVHALL_SIP_DOMAINS": "hotline.example:5060"},
	} {
		_, err := loadConfig(env(bad))
		for k := range bad {
			if err == nil || !strings.Contains(err.Error(), k) {
				t.Errorf("%v: %v, want an error naming %s", bad, err, k)
			}
		}
	}
}

// The nonce key follows GOVHALL_DATA_KEY (nodes sharing it share nonces)
// and is none without it.
func TestNonceKeyFromDataKey(t *testing.T) {
	a, b := nonceKey("c2VjcmV0LWtleS1vZi0zMi1ieXRlcy1mb3ItdGVzdHM="), nonceKey("c2VjcmV0LWtleS1vZi0zMi1ieXRlcy1mb3ItdGVzdHM=")
	if len(a) != 32 || !bytes.Equal(a, b) || bytes.Equal(a, nonceKey("b3RoZXI=")) {
		t.Errorf("nonce keys %x %x", a, b)
	}
	if nonceKey("") != nil {
		t.Error("a nonce key without GOVHALL_DATA_KEY")
	}
}

// TestSIPTCPConfig: GOVHALL_SIP_TCP_IDLE is a duration or off,
// GOVHALL_SIP_TCP_PER_SOURCE a count; bad values name the variable.
func TestSIPTCPConfig(t *testing.T) {
	c, err := loadConfig(env(map[string]string{"GOVHALL_SIP_TCP_IDLE": "5m", "GOVHALL_SIP_TCP_PER_SOURCE": "64"}))
	if err != nil || c.SIP.TCPIdle != 5*time.Minute || c.SIP.TCPPerSource != 64 {
		t.Fatalf("5m, 64: %+v %v", c.SIP, err)
	}
	if c, err = loadConfig(env(map[string]string{"GOVHALL_SIP_TCP_IDLE": "off"})); err != nil || c.SIP.TCPIdle >= 0 {
		t.Errorf("off: %v %v, want negative", c.SIP.TCPIdle, err)
	}
	for _, bad := range []map[string]string{
		{"GOVHALL_SIP_TCP_IDLE": "soon"}, {"GOVHALL_SIP_TCP_IDLE": "1s"}, {"GOVHALL_SIP_TCP_PER_SOURCE": "0"},
		{"GOVHALL_SIP_TCP_PER_SOURCE": "many"},
	} {
		_, err := loadConfig(env(bad))
		for k := range bad {
			if err == nil || !strings.Contains(err.Error(), k) {
				t.Errorf("%v: %v, want an error naming %s", bad, err, k)
			}
		}
	}
}
