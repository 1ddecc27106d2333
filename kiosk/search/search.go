// Package search is the public document search behind GET /api/v1/documents
// and the kiosk: Chinese full text from an index for queries of any length
// (one character included), 文号 in any bracket style, pinyin and initials
// typed on A–Z, an admin-maintained synonym table, facets, ranking that
// learns from opens and prints, typing suggestions and the zero-result log.
//
// Text is analysed in Go: character unigrams and bigrams of Han runs and
// alphanumeric tokens are stored as tsvector columns of documents (see
// migrations/0004_search.sql) with partial GIN indexes over public documents;
// gse segmentation splits queries into words and finds word starts for the
// pinyin lexemes of titles. Every read goes through the public_documents view,
// so withheld (不予公开), draft and in-review documents never appear.
package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"golang.org/x/sync/singleflight"
)

// Errors returned by the store. FieldError wraps ErrInvalid.
var (
	ErrInvalid  = errors.New("search: invalid input")
	ErrNotFound = errors.New("search: not found")
	ErrConflict = errors.New("search: already exists")
)

// FieldError names the field of a rejected input and says what is wrong in
// words a person can act on.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *FieldError) Unwrap() error { return ErrInvalid }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Actor is the staff member behind an admin change, for the audit log.
type Actor struct {
	AccountID int64
	Username  string
	IP        string
}

// Options tune the store; zero values take the defaults noted.
type Options struct {
	// HalfLife is the half-life of click learning (default 30 days).
	HalfLife time.Duration
	// TitleCap and MatchCap bound the candidate sets ranked per query
	// (defaults 100 and 200); beyond them totals are lower bounds.
	TitleCap, MatchCap int
	// MinSources is how many distinct sources (terminals, addresses) must
	// have opened a result of a query before it is suggested to others
	// (default 2), so one person's typing never shows up on another screen.
	MinSources int
	// DedupeWindow is how long a repeated click of one source on one result
	// of one query counts once (default 10 minutes).
	DedupeWindow time.Duration
	// SynonymTTL is how long the in-memory synonym table is trusted before it
	// is read again (default 30 s; changes through this store apply at once).
	SynonymTTL time.Duration
	// CacheTTL is how long a search or suggestion result is reused (default
	// 30 s, negative to switch the cache off). Reindexing, synonym changes
	// and clicks through this store drop affected results at once; other
	// instances' changes when the in-memory index applies them, otherwise
	// within the TTL. Cached hits are re-checked against public_documents
	// unless that index is live and confirmed fresh (memEngine.fresh).
	CacheTTL time.Duration
	// CacheSize is how many results are kept (default 2000).
	CacheSize int
	// NotifyURL is the database URL of a connection that LISTENs for
	// changes. When set, StartIndex loads the public documents into memory
	// and searches run there (see memindex.go); until it is loaded, and
	// whenever it cannot follow the database, they run in PostgreSQL.
	NotifyURL string
	// Observer, when set, is told the time of every search and every
	// lookup of the result cache (monitor.go).
	Observer Observer
}

func (o Options) withDefaults() Options {
	if o.HalfLife <= 0 {
		o.HalfLife = 30 * 24 * time.Hour
	}
	if o.TitleCap <= 0 {
		o.TitleCap = 100
	}
	if o.MatchCap <= 0 {
		o.MatchCap = 200
	}
	if o.MinSources <= 0 {
		o.MinSources = 2
	}
	if o.DedupeWindow <= 0 {
		o.DedupeWindow = 10 * time.Minute
	}
	if o.SynonymTTL <= 0 {
		o.SynonymTTL = 30 * time.Second
	}
	if o.CacheTTL == 0 {
		o.CacheTTL = 30 * time.Second
	}
	if o.CacheSize <= 0 {
		o.CacheSize = 2000
	}
	return o
}

// Store is the search index and its learning tables in PostgreSQL.
type Store struct {
	db   *sqlx.DB
	log  *slog.Logger
	opts Options
	an   *analyzer

	synMu     sync.Mutex
	syn       *synonymSet
	synLoaded time.Time

	stmtMu sync.Mutex
	stmts  map[string]*sqlx.Stmt

	cache  *resultCache
	flight singleflight.Group // one search per key at a time when the cache misses

	mem       *memEngine // nil without Options.NotifyURL
	clicks    clickedKeys
	noZeroLog bool // tests: a second store on the same database does not log twice

	demand demandLog // counts for the demand report, written every few seconds
	pins   pinCache
}

// New returns a search store. The segmentation dictionary is loaded lazily
// on first use (about 2 s); call Warm at start-up to load it early.
func New(db *sqlx.DB, log *slog.Logger, opts Options) *Store {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opts = opts.withDefaults()
	s := &Store{db: db, log: log, opts: opts, an: newAnalyzer(), stmts: map[string]*sqlx.Stmt{},
		cache: newResultCache(opts.CacheTTL, opts.CacheSize)}
	if opts.NotifyURL != "" {
		s.mem = newMemEngine(s, opts.NotifyURL)
	}
	return s
}

// StartIndex loads the in-memory index and keeps it in step with the
// database until ctx ends; it returns at once. Without Options.NotifyURL it
// does nothing and every search runs in PostgreSQL.
func (s *Store) StartIndex(ctx context.Context) {
	if s.mem != nil && !s.mem.started.Swap(true) {
		go s.mem.run(ctx)
	}
}

// Warm loads the segmentation dictionary and the synonym table, so the first
// search does not pay for them. It fails only when the synonyms cannot be read.
func (s *Store) Warm(ctx context.Context) error {
	s.an.segmenter()
	_, err := s.synonyms(ctx)
	return err
}
