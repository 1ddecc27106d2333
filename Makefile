# govhall — see README.md. `make help` lists the targets.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
GO    ?= go
BIN   := bin/govhall
export GOFLAGS := -buildvcs=false

# Debian packages the server needs, and those the tests need on top.
RUN_PKGS  := postgresql fonts-hanazono fonts-unifont espeak-ng sox fonts-arphic-gbsn00lp
TEST_PKGS := postgresql zbar-tools chromium fonts-noto-cjk espeak-ng sox sip-tester baresip-core wrk fonts-hanazono fonts-unifont fonts-arphic-gbsn00lp poppler-utils kamailio haproxy systemd
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Front-end packages from npm, pinned by server/webdeps/package-lock.json
# (axe-core for the accessibility checks of the browser tests, Apache
# ECharts for the statistics' charts). ECharts is copied into the console's
# static files (git-ignored), so that the binary embeds and serves it.
WEBDEPS := server/webdeps/node_modules/.package-lock.json
ECHARTS := server/console/static/vendor/echarts.min.js

.PHONY: help run build test bench soak lint fuzz deps-run deps-test webdeps clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

build: webdeps ## build bin/govhall
	$(GO) build -o $(BIN) ./cmd/govhall

run: deps-run build ## install PostgreSQL if missing, migrate, load demo content, serve on 127.0.0.1:8080
	$(BIN) demo
	exec $(BIN) serve

test: deps-test webdeps ## install the test peers and run every test against real components
	$(GO) vet ./...
	GO="$(GO)" .ci/go-test -p 2 -count=1 -timeout 15m ./...
	$(MAKE) --no-print-directory fuzz FUZZTIME=3s

bench: deps-test build ## benchmarks: import, search over HTTP (and beside Bleve and pg_trgm), queries, SIP load, QR/slips; figures in bench-results/, summary.md and README's table
	@mkdir -p bench-results
	$(GO) test -p 1 -run '^$$' -bench . -skip Compare -benchtime 1x -timeout 60m ./cmd/govhall ./kiosk/search 2>&1 | tee bench-results/catalog.txt
	$(GO) test -p 1 -run '^$$' -bench Compare -benchtime 1x -v -timeout 90m ./cmd/govhall 2>&1 | grep -v '^=== ' | tee bench-results/compare.txt
	$(GO) test -p 1 -run '^$$' -bench Queries -benchtime 200x -timeout 30m ./hotline/queries 2>&1 | tee bench-results/queries.txt
	$(GO) test -p 1 -run '^$$' -bench . -benchtime 1x -timeout 30m ./hotline 2>&1 | tee bench-results/hotline.txt
	$(GO) test -p 1 -run '^$$' -bench Report -benchtime 3x -timeout 30m ./hotline/stats 2>&1 | tee bench-results/stats.txt
	$(GO) test -p 1 -run '^$$' -bench 'ScreenPop|SSEStreams' -benchtime 1x -timeout 20m ./server 2>&1 | tee bench-results/console.txt
	$(GO) test -p 1 -run '^$$' -bench . -benchmem ./kiosk/printjob ./hotline/calendar ./hotline/media 2>&1 | tee bench-results/micro.txt
	$(GO) test -p 1 -run '^$$' -bench PurgeRecordings -benchtime 3x -timeout 10m ./hotline/retention 2>&1 | tee bench-results/retention.txt
	$(GO) run ./cmd/benchsummary -dir bench-results -readme README.md

# Every fuzz target (func FuzzXxx in a tracked _test.go) runs for FUZZTIME;
# -fuzz takes one target at a time, so FUZZJOBS targets run side by side,
# each with one fuzzing worker (.ci/fuzz-one). A crasher is written to the
# package's testdata/fuzz/FuzzXxx/: fix the parser, commit it as a seed.
FUZZTIME ?= 10s
FUZZJOBS ?= 2

fuzz: ## run every fuzz target for FUZZTIME each (default 10s), FUZZJOBS at a time
	@git ls-files '*_test.go' | xargs grep -H '^func Fuzz' | \
		sed 's|^\(.*\)/[^/]*:func \(Fuzz[A-Za-z0-9_]*\)(.*|./\1 \2|' | \
		xargs -P $(FUZZJOBS) -n 2 env GO="$(GO)" .ci/fuzz-one $(FUZZTIME)

# The soak runs the built binary under sipp at SOAK_RATE calls/s for
# SOAK_DURATION through the whole call flow, then 60 s of kiosk load (wrk);
# not part of make test. make soak SOAK_DURATION=90s for a short run.
SOAK_DURATION ?= 10m
SOAK_RATE     ?= 50
SOAK_TIMEOUT  ?= 40m
SOAK_PROFILE  ?=

soak: deps-test build ## 50 calls/s for SOAK_DURATION (10m): failures, losses, RSS and goroutine slopes; kiosk load; bench-results/soak.txt
	@mkdir -p bench-results
	GOVHALL_SOAK_BIN=$(CURDIR)/$(BIN) SOAK_DURATION=$(SOAK_DURATION) SOAK_RATE=$(SOAK_RATE) SOAK_REPORT=$(CURDIR)/bench-results/soak.txt SOAK_PROFILE=$(SOAK_PROFILE) \
		$(GO) test -tags soak -run '^TestSoak$$' -count=1 -v -timeout $(SOAK_TIMEOUT) ./cmd/govhall

lint: ## gofmt, go mod tidy, go vet, staticcheck
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@if ! out=$$($(GO) mod tidy -diff 2>&1); then echo "go.mod/go.sum are not tidy: run 'go mod tidy' and commit the result:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

webdeps: $(WEBDEPS) $(ECHARTS) ## fetch the pinned front-end packages from npm

$(WEBDEPS): server/webdeps/package.json server/webdeps/package-lock.json
	@command -v npm >/dev/null || .ci/install-deps npm
	npm ci --prefix server/webdeps --no-audit --no-fund --loglevel=error
	@touch $@

$(ECHARTS): $(WEBDEPS)
	@mkdir -p $(dir $@)
	cp server/webdeps/node_modules/echarts/dist/echarts.min.js $@

# deps-*: install only what is missing, so a second run needs no network.
deps-run:
	@.ci/install-deps $(RUN_PKGS)

deps-test:
	@.ci/install-deps $(TEST_PKGS)

clean: ## remove build output (keeps .data/)
	rm -rf bin server/webdeps/node_modules server/console/static/vendor
