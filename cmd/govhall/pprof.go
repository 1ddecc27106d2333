package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"time"
)

// parsePprofAddr checks GOVHALL_PPROF_ADDR: empty (no profiler) or a
// loopback host:port, since profiles show the process's internals.
func parsePprofAddr(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	ap, err := netip.ParseAddrPort(s)
	if err != nil || !ap.Addr().IsLoopback() {
		return "", fmt.Errorf("GOVHALL_PPROF_ADDR %q must be a loopback address with a port, such as 127.0.0.1:6060", s)
	}
	return s, nil
}

// servePprof serves the Go profiler (/debug/pprof/) on addr until ctx
// ends; CPU and heap profiles are taken with `go tool pprof
// http://ADDR/debug/pprof/profile?seconds=30`.
func (p *program) servePprof(ctx context.Context, addr string) error {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s (GOVHALL_PPROF_ADDR): %w", addr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			p.log.Warn("pprof server stopped", "err", err)
		}
	}()
	p.log.Info("serving pprof", "addr", ln.Addr().String())
	return nil
}
