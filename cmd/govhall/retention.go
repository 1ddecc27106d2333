package main

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/hotline/recstore"
	"github.com/govhall/govhall/hotline/retention"
	"github.com/govhall/govhall/server"
	"github.com/govhall/govhall/server/staff"
)

// loadRetention reads GOVHALL_RECORDING_RETENTION and
// GOVHALL_PERSONAL_DATA_RETENTION ("3y", "18m", "90d" or days; unset:
// forever).
func loadRetention(c *config, getenv func(string) string) error {
	var err error
	if c.RecordingRetention, err = retention.ParsePeriod(getenv("GOVHALL_RECORDING_RETENTION")); err != nil {
		return fmt.Errorf("GOVHALL_RECORDING_RETENTION: %w", err)
	}
	if c.PersonalRetention, err = retention.ParsePeriod(getenv("GOVHALL_PERSONAL_DATA_RETENTION")); err != nil {
		return fmt.Errorf("GOVHALL_PERSONAL_DATA_RETENTION: %w", err)
	}
	return nil
}

// housekeeping starts the jobs that delete what govhall no longer needs:
// ended staff sessions and Idempotency-Keys older than 24 hours hourly, and what has outlived its retention period
// at start and then daily (nothing when both periods are forever). It
// returns at once; the jobs end with ctx.
func (p *program) housekeeping(ctx context.Context, db *sqlx.DB, st *staff.Store) {
	go p.every(ctx, time.Hour, "prune sessions failed", func(ctx context.Context) error {
		_, err := st.Prune(ctx)
		return err
	})
	keys := server.NewIdempotencyStore(db)
	go p.every(ctx, time.Hour, "prune idempotency keys failed", func(ctx context.Context) error {
		_, err := keys.Prune(ctx, time.Now().Add(-server.IdempotencyRetention))
		return err
	})
	if p.cfg.RecordingRetention.Forever() && p.cfg.PersonalRetention.Forever() {
		return
	}
	purger := retention.New(db, p.log.With("component", "retention"), p.cfg.RecordingRetention, p.cfg.PersonalRetention).
		Files(recstore.NewDir(p.cfg.RecordingsDir))
	purge := func(ctx context.Context) error {
		_, err := purger.Run(ctx, time.Now())
		return err
	}
	go func() {
		if err := purge(ctx); err != nil && ctx.Err() == nil {
			p.log.Warn("retention purge failed", "err", err)
		}
		p.every(ctx, 24*time.Hour, "retention purge failed", purge)
	}()
}
