package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/hotline/cluster"
	"github.com/govhall/govhall/migrations"
	"github.com/govhall/govhall/migrations/pgcluster"
	"github.com/govhall/govhall/server/metrics"
)

// program carries what every command needs.
type program struct {
	cfg            config
	log            *slog.Logger
	stdout, stderr io.Writer
	dbURL          string            // the database openDB connected to (the search index LISTENs on it)
	metrics        *metrics.Registry // serve's (observe.go); nil for the other commands
	node           *cluster.Node     // serve's place in the node registry (node.go); nil for the other commands
}

// openDB connects to GOVHALL_DATABASE_URL or, when it is unset, to the
// private cluster under DataDir/pg, starting it if needed. The returned
// function closes the pool and stops a cluster this process started.
func (p *program) openDB(ctx context.Context) (*sqlx.DB, func(), error) {
	url := p.cfg.DatabaseURL
	stop := func() {}
	if url == "" {
		if err := os.MkdirAll(p.cfg.DataDir, 0o755); err != nil {
			return nil, nil, fmt.Errorf("create data dir: %w", err)
		}
		cl, err := pgcluster.Start(ctx, pgcluster.Options{Dir: filepath.Join(p.cfg.DataDir, "pg"), Logger: p.log})
		if err != nil {
			return nil, nil, err
		}
		stop = func() { cl.Stop() }
		if err := cl.EnsureDatabase(ctx, "govhall"); err != nil {
			stop()
			return nil, nil, err
		}
		url = cl.URL("govhall")
	}
	p.dbURL = url
	db, err := sqlx.Open("postgres", url)
	if err != nil {
		stop()
		return nil, nil, fmt.Errorf("open database: %w", err)
	}
	db.SetMaxOpenConns(40)
	db.SetMaxIdleConns(40)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		stop()
		return nil, nil, fmt.Errorf("connect to database: %w", err)
	}
	return db, func() { db.Close(); stop() }, nil
}

// openMigrated is openDB followed by the migrations.
func (p *program) openMigrated(ctx context.Context) (*sqlx.DB, func(), error) {
	db, closeDB, err := p.openDB(ctx)
	if err != nil {
		return nil, nil, err
	}
	applied, err := migrations.Up(ctx, db)
	if err != nil {
		closeDB()
		return nil, nil, err
	}
	for _, name := range applied {
		p.log.Info("migration applied", "name", name)
	}
	return db, closeDB, nil
}

func (p *program) migrate(ctx context.Context) error {
	_, closeDB, err := p.openMigrated(ctx)
	if err != nil {
		return err
	}
	closeDB()
	return nil
}
