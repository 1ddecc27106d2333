package retention_test

import (
	"errors"
	"testing"
	"time"

	"github.com/govhall/govhall/hotline/retention"
)

func TestParsePeriod(t *testing.T) {
	tests := []struct {
		in   string
		want retention.Period
		err  bool
	}{
		{"", retention.Period{}, false},
		{"forever", retention.Period{}, false},
		{" 3Y ", retention.Period{Years: 3}, false},
		{"18m", retention.Period{Months: 18}, false},
		{"90d", retention.Period{Days: 90}, false},
		{"1095", retention.Period{Days: 1095}, false},
		{"1y6m", retention.Period{Years: 1, Months: 6}, false},
		{"30", retention.Period{Days: 30}, false},
		{"29d", retention.Period{}, true}, // shorter than 30 days: a typo, not an order
		{"3", retention.Period{}, true},
		{"0", retention.Period{}, true},
		{"3 years", retention.Period{}, true},
		{"y", retention.Period{}, true},
		{"-1y", retention.Period{}, true},
		{"3h", retention.Period{}, true},
	}
	for _, tt := range tests {
		got, err := retention.ParsePeriod(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParsePeriod(%q) = %+v, %v; want %+v, error %v", tt.in, got, err, tt.want, tt.err)
		}
		if err != nil && !errors.Is(err, retention.ErrPeriod) {
			t.Errorf("ParsePeriod(%q): %v is not ErrPeriod", tt.in, err)
		}
	}
}

func TestPeriodBefore(t *testing.T) {
	now := time.Date(2028, 2, 29, 3, 0, 0, 0, time.UTC)
	if got := (retention.Period{Years: 3}).Before(now); !got.Equal(time.Date(2025, 3, 1, 3, 0, 0, 0, time.UTC)) {
		t.Errorf("3y before 2028-02-29 = %v, want 2025-03-01 (Go's date normalisation)", got)
	}
}

// FuzzParsePeriod: any input is refused or read back the same from its
// String.
func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"3y", "18m", "1y6m30d", "1095", "forever", "", "2y-1m", "99999999999999999999d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := retention.ParsePeriod(s)
		if err != nil {
			return
		}
		again, err := retention.ParsePeriod(p.String())
		if err != nil || again != p {
			t.Fatalf("ParsePeriod(%q) = %+v, whose String %q reads back as %+v, %v", s, p, p.String(), again, err)
		}
	})
}
