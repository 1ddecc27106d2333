package search

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// Text is what the search columns of a document are computed from: its
// fields as they are stored, the agency's short and full name, the
// category's name (not its path) and the month of publication. Body is
// empty unless the document is 主动公开, as Reindex reads it.
type Text struct {
	Title, DocNumber, Topic, Body string
	Agency, AgencyFull, Category  string
	Month                         string // published, YYYY-MM; "" when unknown
}

// Columns are the search columns of a document: search_title and
// search_all as tsvector input, search_norm_title as text.
type Columns struct {
	Title, All, NormTitle string
}

// Columns computes the search columns of a document from its text, the
// same as Reindex stores for it, so that a bulk import writes them with the
// rows instead of reading the rows back. It is safe for concurrent use;
// the first call loads the segmentation dictionary.
func (s *Store) Columns(t Text) Columns {
	v := s.an.vectors(docText{Title: t.Title, DocNumber: t.DocNumber, Topic: t.Topic, Body: t.Body,
		Agency: t.Agency, AgencyFull: t.AgencyFull, Category: t.Category, Month: t.Month})
	return Columns{Title: v.title, All: v.all, NormTitle: v.normTitle}
}

// BeginBulk prepares the caller's transaction for writing the search
// columns of many documents at once: the index pending lists take the
// whole batch, to be merged once by Written.
func (s *Store) BeginBulk(ctx context.Context, tx *sqlx.Tx) error {
	if _, err := tx.ExecContext(ctx, bulkSettings); err != nil {
		return fmt.Errorf("search: bulk settings: %w", err)
	}
	return nil
}

// Written is told the ids of documents the caller's transaction inserted
// with their search columns (from Columns): searches in this process run
// in PostgreSQL until the change is announced, cached results are dropped
// and the index pending lists are merged.
func (s *Store) Written(ctx context.Context, tx *sqlx.Tx, ids []int64) error {
	s.mem.changing(ids)
	s.cache.invalidate()
	if _, err := tx.ExecContext(ctx, flushPending); err != nil {
		return fmt.Errorf("search: flush index pending lists: %w", err)
	}
	return nil
}
