package queries

import (
	"sync"
	"time"
)

// maxBuckets bounds the clients a Limiter remembers; beyond it, full
// buckets are forgotten first.
const maxBuckets = 100_000

// Limiter is a token bucket per client key, in memory: Burst lookups at
// once, then one more per Rate. Guessing 查询码 takes about 10⁹/Rate
// seconds per code found from one address. Its methods are safe for
// concurrent use.
type Limiter struct {
	rate  time.Duration
	burst float64

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// NewLimiter returns a limiter that allows burst at once and one more per
// rate.
func NewLimiter(rate time.Duration, burst int) *Limiter {
	return &Limiter{rate: rate, burst: float64(burst), buckets: map[string]*bucket{}}
}

// Allow takes a token for key at now. When none is left it returns false
// and the time until the next one.
func (l *Limiter) Allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= maxBuckets {
			l.prune(now)
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	if now.After(b.at) {
		b.tokens = min(l.burst, b.tokens+float64(now.Sub(b.at))/float64(l.rate))
		b.at = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) * float64(l.rate))
}

// prune forgets the buckets that have refilled, and all of them if that is
// not enough.
func (l *Limiter) prune(now time.Time) {
	full := time.Duration(l.burst * float64(l.rate))
	for k, b := range l.buckets {
		if now.Sub(b.at) >= full {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= maxBuckets {
		clear(l.buckets)
	}
}
