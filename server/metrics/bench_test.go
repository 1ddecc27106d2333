package metrics_test

import (
	"testing"
	"time"

	"github.com/govhall/govhall/server/metrics"
)

// BenchmarkObserveHTTP is the cost the access log adds to every request.
func BenchmarkObserveHTTP(b *testing.B) {
	r := metrics.New()
	b.ReportAllocs()
	for b.Loop() {
		r.ObserveHTTP("/api/v1/documents", "GET", 200, 3*time.Millisecond)
	}
}

// BenchmarkSearchObserver is the cost a search pays to be counted.
func BenchmarkSearchObserver(b *testing.B) {
	r := metrics.New()
	b.ReportAllocs()
	for b.Loop() {
		r.SearchCached(false)
		r.SearchRan("memory", time.Millisecond)
	}
}
