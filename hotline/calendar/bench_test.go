package calendar

import "testing"

// BenchmarkDue measures the deadline of a 5-day and a 40-day limit across
// the 国庆 holiday, the common case of every clock.
func BenchmarkDue(b *testing.B) {
	c := fixture(b)
	from := mustTime(b, "2025-09-30T10:00:00+08:00")
	for _, n := range []int{5, 40} {
		b.Run(map[int]string{5: "5days", 40: "40days"}[n], func(b *testing.B) {
			for b.Loop() {
				if _, err := c.Due(from, n); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkInHours measures the voicemail decision.
func BenchmarkInHours(b *testing.B) {
	c := fixture(b)
	at := mustTime(b, "2025-10-11T15:00:00+08:00")
	for b.Loop() {
		if !c.InHours(at) {
			b.Fatal("not in hours")
		}
	}
}
