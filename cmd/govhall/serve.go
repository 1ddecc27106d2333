package main

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/hotline/calendar"
	"github.com/govhall/govhall/hotline/events"
	"github.com/govhall/govhall/hotline/queries"
	"github.com/govhall/govhall/kiosk"
	"github.com/govhall/govhall/kiosk/printjob"
	"github.com/govhall/govhall/kiosk/search"
	"github.com/govhall/govhall/server"
	"github.com/govhall/govhall/server/metrics"
	"github.com/govhall/govhall/server/staff"
)

// services are the stores every command builds on one database.
type services struct {
	db       *sqlx.DB
	staff    *staff.Store
	catalog  *kiosk.Store
	calendar *calendar.Store
	search   *search.Store
	queries  *queries.Store
}

func (p *program) services(ctx context.Context, db *sqlx.DB) (*services, error) {
	hours, err := calendar.ParseHours(p.cfg.OfficeHours)
	if err != nil {
		return nil, err
	}
	cal, err := calendar.Open(ctx, db, hours)
	if err != nil {
		return nil, err
	}
	idx := search.New(db, p.log, search.Options{NotifyURL: p.dbURL, Observer: p.searchObserver()})
	svc := &services{
		db:       db,
		staff:    staff.NewStore(db),
		catalog:  kiosk.NewStore(db, idx, search.DocNumberKey),
		calendar: cal,
		search:   idx,
	}
	svc.queries = p.queryStore(svc)
	return svc, nil
}

// serve runs HTTP until ctx is cancelled (SIGINT/SIGTERM), then drains.
func (p *program) serve(ctx context.Context) error {
	db, closeDB, err := p.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	p.metrics = metrics.New()
	if a := p.cfg.Observe.PprofAddr; a != "" {
		if err := p.servePprof(ctx, a); err != nil {
			return err
		}
	}
	svc, err := p.services(ctx, db)
	if err != nil {
		return err
	}
	apps, err := p.applicationStore(svc)
	if err != nil {
		return err
	}
	hub := events.NewHub(db, p.dbURL, p.log.With("component", "console_events"))
	hctx, stopHub := context.WithCancel(ctx)
	hubDone, err := hub.Start(hctx, 5*time.Second)
	if err != nil {
		stopHub()
		return err
	}
	defer func() { stopHub(); <-hubDone }()
	// Console events older than a day are of no use to a reconnecting tab.
	go p.every(ctx, time.Hour, "prune console events failed", func(ctx context.Context) error {
		_, err := hub.Prune(ctx)
		return err
	})
	go p.runHotlineReports(ctx, svc)   // report_hotline.go: 月报 once a month has ended
	p.housekeeping(ctx, db, svc.staff) // retention.go: ended sessions, retention periods
	waitWorker := p.runQueryWorker(ctx, svc.queries, hub)
	defer waitWorker()
	callEvents := server.NewCallEvents(hub, p.log.With("component", "console_events"))
	go callEvents.Run(hctx)
	if p.node, err = p.startNode(ctx, svc); err != nil {
		return err
	}
	calls, stopSIP, err := p.startHotline(ctx, svc, callEvents)
	if err != nil {
		p.node.Close(context.WithoutCancel(ctx))
		return err
	}
	p.log.Info("serving sip", "addr", p.cfg.SIPAddr, "number", "96128")
	obs, err := p.observability(db, svc, calls)
	if err != nil {
		return err
	}
	printer, closeFonts := p.printer()
	defer closeFonts()
	// Printers of online terminals are asked for their state every 30 s.
	go p.every(ctx, 30*time.Second, "printer poll failed", func(ctx context.Context) error {
		return svc.catalog.PollPrinters(ctx, printer)
	})
	srv := server.New(server.Deps{
		Log: p.log, DB: db, Staff: svc.staff, Catalog: svc.catalog, Calendar: svc.calendar, Search: svc.search,
		Printer: printer, Speech: kiosk.NewSpeaker(2), Queries: svc.queries, Applications: apps, Calls: calls, Events: hub,
		PublicBaseURL: p.cfg.PublicBaseURL, RequestTimeout: 10 * time.Second, KioskIdle: p.cfg.KioskIdle,
		TrustedProxies: p.cfg.TrustedProxies, Observe: obs,
		Node: server.NodeInfo{ID: p.node.ID(), HTTPAddr: p.cfg.Node.HTTPAddr},
	})
	svc.search.StartIndex(ctx)
	go func() { // load the segmentation dictionary before the first citizen waits for it
		if err := svc.search.Warm(ctx); err != nil {
			p.log.Warn("search warm-up failed", "err", err)
		}
	}()
	ln, err := net.Listen("tcp", p.cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s (GOVHALL_HTTP_ADDR): %w", p.cfg.HTTPAddr, err)
	}
	p.log.Info("serving http", "addr", ln.Addr().String(), "public_base_url", p.cfg.PublicBaseURL)
	err = srv.Serve(ctx, ln)
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 60*time.Second)
	defer cancel()
	// The last requests' search-demand counts, before the pool closes.
	if ferr := svc.search.FlushDemand(dctx); ferr != nil {
		p.log.Warn("search demand counts lost at shutdown", "err", ferr)
	}
	if serr := stopSIP(dctx); serr != nil {
		p.log.Warn("sip drain", "err", serr)
	}
	if nerr := p.node.Close(dctx); nerr != nil {
		p.log.Warn("node registry", "err", nerr)
	}
	p.log.Info("stopped")
	return err
}

// every runs fn each interval until ctx ends, logging its failures as what.
func (p *program) every(ctx context.Context, interval time.Duration, what string, fn func(context.Context) error) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := fn(ctx); err != nil && ctx.Err() == nil {
				p.log.Warn(what, "err", err)
			}
		}
	}
}

// printer builds the slip printer with the fonts for characters printers
// lack (GOVHALL_PRINT_FONTS, else Debian's Hanazono and Unifont); without
// them such characters print as boxes. The returned func closes the fonts.
func (p *program) printer() (*kiosk.Printer, func()) {
	paths := printjob.DefaultFontPaths()
	if p.cfg.PrintFonts != "" {
		paths = strings.Split(p.cfg.PrintFonts, ":")
	}
	fonts, err := printjob.LoadFonts(paths...)
	if err != nil {
		p.log.Warn("slip fonts missing: rare characters will print as boxes", "err", err)
		return kiosk.NewPrinter(printjob.NewBuilder(nil), printjob.Client{}, p.cfg.PublicBaseURL), func() {}
	}
	return kiosk.NewPrinter(printjob.NewBuilder(fonts), printjob.Client{}, p.cfg.PublicBaseURL), func() { fonts.Close() }
}
