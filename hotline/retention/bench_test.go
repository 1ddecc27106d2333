package retention_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govhall/govhall/hotline/retention"
	"github.com/govhall/govhall/migrations/pgtest"
)

// BenchmarkPurgeRecordings purges 2 000 old calls with a 64 KiB file each
// (10 batches) per iteration; it reports the time per recording purged.
func BenchmarkPurgeRecordings(b *testing.B) {
	const calls = 2000
	db := pgtest.New(b)
	ctx := context.Background()
	dir := b.TempDir()
	wav := []byte(strings.Repeat("x", 64<<10))
	p := retention.New(db, slog.New(slog.DiscardHandler), retention.Period{Years: 1}, retention.Period{})
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		for j := range calls {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%d-%d.wav", i, j)), wav, 0o640); err != nil {
				b.Fatal(err)
			}
		}
		db.MustExec(`INSERT INTO calls (sip_call_id, started_at, ended_at, outcome, recording_path, recording_sha256, recording_size)
			SELECT $1 || n, $2::timestamptz, $2::timestamptz, 'answered', $3 || '/' || $1 || n || '.wav', repeat('ab', 32), 65536
			FROM generate_series(0, $4 - 1) n`, fmt.Sprintf("%d-", i), now.AddDate(-2, 0, 0), dir, calls)
		b.StartTimer()
		r, err := p.Run(ctx, now)
		if err != nil || r.Recordings != calls {
			b.Fatalf("purged %d, %v", r.Recordings, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*calls), "µs/recording")
}
