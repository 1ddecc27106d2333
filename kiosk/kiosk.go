// Package kiosk is the government information catalog (政府信息公开目录)
// behind the kiosks, the hotline consoles and the QR codes: departments, the
// category tree, documents with their metadata, the confidentiality review
// before publication ("先审查后公开"), bulk import and the demo content.
// Public reads go through the public_documents view only, so withheld
// (不予公开) and unreviewed documents never reach a public caller.
package kiosk

import (
	"context"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/kiosk/search"
)

// Errors returned by the catalog. FieldError wraps ErrInvalid.
var (
	ErrNotFound  = errors.New("kiosk: not found")
	ErrInvalid   = errors.New("kiosk: invalid input")
	ErrConflict  = errors.New("kiosk: conflict with the current state")
	ErrForbidden = errors.New("kiosk: not allowed for this account")
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

// Actor is the staff member behind a change, for review rules and the audit log.
type Actor struct {
	AccountID int64
	Username  string
	IP        string
	Roles     []string
}

// Indexer keeps the search data of documents current. The catalog calls it
// inside the transaction that changed the documents.
type Indexer interface {
	Reindex(ctx context.Context, tx *sqlx.Tx, ids []int64) error
}

// BulkIndexer is an Indexer that lets an import write the search columns
// with the rows themselves instead of reading them back: Columns computes
// them from a document's text (concurrently, on the import's workers),
// BeginBulk prepares the batch's transaction and Written is told the ids
// inserted. Without one, an import calls Reindex.
type BulkIndexer interface {
	Indexer
	Columns(t search.Text) search.Columns
	BeginBulk(ctx context.Context, tx *sqlx.Tx) error
	Written(ctx context.Context, tx *sqlx.Tx, ids []int64) error
}

// DocNumberKeyFunc turns a 文号 into its canonical search key, or fails when
// the 文号 does not parse.
type DocNumberKeyFunc func(docNumber string) (string, error)

// Store is the PostgreSQL store of the catalog.
type Store struct {
	db      *sqlx.DB
	indexer Indexer
	docKey  DocNumberKeyFunc
}

// NewStore returns a catalog store. indexer and docKey come from the search
// package (wired in cmd); docKey also validates 文号 on input.
func NewStore(db *sqlx.DB, indexer Indexer, docKey DocNumberKeyFunc) *Store {
	return &Store{db: db, indexer: indexer, docKey: docKey}
}

// DB returns the connection pool, for packages that share the catalog's database.
func (s *Store) DB() *sqlx.DB { return s.db }
