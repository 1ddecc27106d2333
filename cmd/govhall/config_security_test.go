package main

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/govhall/govhall/hotline/retention"
)

func env(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }

// TestTrustedProxiesConfig: CIDRs and single addresses, spaces allowed;
// anything else names the variable and the bad entry.
func TestTrustedProxiesConfig(t *testing.T) {
	c, err := loadConfig(env(map[string]string{"GOVHALL_TRUSTED_PROXIES": " 127.0.0.1, 10.20.0.0/16 ,::1,192.168.1.7/24"}))
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.20.0.0/16"),
		netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("192.168.1.0/24")}
	if !slices.Equal(c.TrustedProxies, want) {
		t.Errorf("TrustedProxies = %v, want %v", c.TrustedProxies, want)
	}
	if c, _ := loadConfig(env(nil)); len(c.TrustedProxies) != 0 {
		t.Errorf("default TrustedProxies = %v, want none", c.TrustedProxies)
	}
	_, err = loadConfig(env(map[string]string{"GOVHALL_TRUSTED_PROXIES": "10.0.0.0/8,nginx"}))
	if err == nil || !strings.Contains(err.Error(), "GOVHALL_TRUSTED_PROXIES") || !strings.Contains(err.Error(), `"nginx"`) {
		t.Errorf("a host name: %v, want an error naming it", err)
	}
}

// TestRetentionConfig: both periods default to forever and read y/m/d.
func TestRetentionConfig(t *testing.T) {
	c, err := loadConfig(env(nil))
	if err != nil || !c.RecordingRetention.Forever() || !c.PersonalRetention.Forever() {
		t.Fatalf("defaults: %+v %+v %v, want forever", c.RecordingRetention, c.PersonalRetention, err)
	}
	c, err = loadConfig(env(map[string]string{"GOVHALL_RECORDING_RETENTION": "3y", "GOVHALL_PERSONAL_DATA_RETENTION": "1095"}))
	if err != nil || c.RecordingRetention != (retention.Period{Years: 3}) || c.PersonalRetention != (retention.Period{Days: 1095}) {
		t.Errorf("3y, 1095: %+v %+v %v", c.RecordingRetention, c.PersonalRetention, err)
	}
	if _, err := loadConfig(env(map[string]string{"GOVHALL_RECORDING_RETENTION": "3"})); err == nil || !strings.Contains(err.Error(), "GOVHALL_RECORDING_RETENTION") {
		t.Errorf("3 (days, surely a typo): %v, want an error naming the variable", err)
	}
}
