package kiosk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Category is a node of the catalog's category tree (主题分类/目录分类).
// Path is the names from the root joined with "/", e.g. 重点领域/社会救助.
type Category struct {
	ID       int64  `db:"id" json:"id"`
	ParentID *int64 `db:"parent_id" json:"parent_id"`
	Name     string `db:"name" json:"name"`
	Path     string `db:"path" json:"path"`
	Position int    `db:"position" json:"position"`
	Count    int    `db:"count" json:"count"`
}

// Categories lists the tree in path order with the number of public
// documents filed directly under each node.
func (s *Store) Categories(ctx context.Context) ([]Category, error) {
	const q = `SELECT c.id, c.parent_id, c.name, c.path, c.position,
			(SELECT count(*) FROM public_documents d WHERE d.category_id = c.id) AS count
		FROM categories c ORDER BY c.path`
	var cs []Category
	if err := s.db.SelectContext(ctx, &cs, q); err != nil {
		return nil, fmt.Errorf("kiosk: list categories: %w", err)
	}
	return cs, nil
}

// EnsureCategoryPath creates the nodes of path that do not exist yet and
// returns the leaf, audited. Names may not contain "/".
func (s *Store) EnsureCategoryPath(ctx context.Context, a Actor, path string) (int64, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("kiosk: ensure category: %w", err)
	}
	defer tx.Rollback()
	id, err := ensurePath(ctx, tx, path)
	if err != nil {
		return 0, err
	}
	if err := audit(ctx, tx, a, "category.ensure", "category", id, map[string]any{"path": path}); err != nil {
		return 0, err
	}
	return id, tx.Commit()
}

func ensurePath(ctx context.Context, tx *sqlx.Tx, path string) (int64, error) {
	var parent *int64
	var id int64
	prefix := ""
	for _, name := range strings.Split(path, "/") {
		name = strings.TrimSpace(name)
		if name == "" {
			return 0, fieldErr("category", "category path %q has an empty part", path)
		}
		prefix = strings.TrimPrefix(prefix+"/"+name, "/")
		const q = `INSERT INTO categories (parent_id, name, path) VALUES ($1, $2, $3)
			ON CONFLICT (path) DO UPDATE SET path = EXCLUDED.path RETURNING id`
		if err := tx.GetContext(ctx, &id, q, parent, name, prefix); err != nil {
			return 0, fmt.Errorf("kiosk: create category %s: %w", prefix, err)
		}
		parent = &id
	}
	return id, nil
}

// RenameCategory renames a node and rewrites the paths below it, audited.
func (s *Store) RenameCategory(ctx context.Context, a Actor, id int64, name string) error {
	name = strings.TrimSpace(name)
	if name == "" || strings.Contains(name, "/") {
		return fieldErr("name", "a category name is required and may not contain /")
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("kiosk: rename category: %w", err)
	}
	defer tx.Rollback()
	var old string
	if err := tx.GetContext(ctx, &old, `SELECT path FROM categories WHERE id = $1 FOR UPDATE`, id); errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("category %d: %w", id, ErrNotFound)
	} else if err != nil {
		return fmt.Errorf("kiosk: rename category %d: %w", id, err)
	}
	newPath := name
	if i := strings.LastIndex(old, "/"); i >= 0 {
		newPath = old[:i+1] + name
	}
	const q = `UPDATE categories SET name = CASE WHEN id = $1 THEN $2 ELSE name END,
			path = $3 || substr(path, length($4) + 1)
		WHERE id = $1 OR path LIKE $4 || '/%'`
	_, err = tx.ExecContext(ctx, q, id, name, newPath, old)
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "23505" {
		return fmt.Errorf("%w: a category %q already exists", ErrConflict, newPath)
	}
	if err != nil {
		return fmt.Errorf("kiosk: rename category %d: %w", id, err)
	}
	if err := audit(ctx, tx, a, "category.rename", "category", id, map[string]any{"from": old, "to": newPath}); err != nil {
		return err
	}
	return tx.Commit()
}

// DeleteCategory removes an empty leaf node; one with children or documents
// is refused with ErrConflict.
func (s *Store) DeleteCategory(ctx context.Context, a Actor, id int64) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("kiosk: delete category: %w", err)
	}
	defer tx.Rollback()
	var used int
	const q = `SELECT (SELECT count(*) FROM categories WHERE parent_id = $1) + (SELECT count(*) FROM documents WHERE category_id = $1)`
	if err := tx.GetContext(ctx, &used, q, id); err != nil {
		return fmt.Errorf("kiosk: delete category %d: %w", id, err)
	}
	if used > 0 {
		return fmt.Errorf("%w: the category still has sub-categories or documents; move them first", ErrConflict)
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM categories WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("kiosk: delete category %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("category %d: %w", id, ErrNotFound)
	}
	if err := audit(ctx, tx, a, "category.delete", "category", id, nil); err != nil {
		return err
	}
	return tx.Commit()
}
