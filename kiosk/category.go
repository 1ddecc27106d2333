package kiosk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

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
			return 0, fieldErr("category", "分类路径“%s”中有空的一级", path)
		}
		prefix = strings.TrimPrefix(prefix+"/"+name, "/")
		// A new node goes after its siblings; an existing one keeps its place.
		const q = `INSERT INTO categories (parent_id, name, path, position)
			VALUES ($1, $2, $3, (SELECT coalesce(max(position) + 1, 0) FROM categories WHERE parent_id IS NOT DISTINCT FROM $1))
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
	if err := checkCategoryName(name); err != nil {
		return err
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
		return fieldErr("name", "已有分类“%s”，请换一个名称或把两个分类合并", newPath)
	}
	if err != nil {
		return fmt.Errorf("kiosk: rename category %d: %w", id, err)
	}
	// The category's name is searchable in its documents: reindex them.
	var docs []int64
	if err := tx.SelectContext(ctx, &docs, `SELECT id FROM documents WHERE category_id = $1`, id); err != nil {
		return fmt.Errorf("kiosk: rename category %d: %w", id, err)
	}
	if s.indexer != nil && len(docs) > 0 {
		if err := s.indexer.Reindex(ctx, tx, docs); err != nil {
			return fmt.Errorf("kiosk: index renamed category's documents: %w", err)
		}
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
		return fmt.Errorf("%w: 这个分类下还有下级分类或文件，不能删除；请先把它合并到其他分类", ErrConflict)
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

// maxCategoryName is the longest category name, in characters.
const maxCategoryName = 30

// checkCategoryName checks a trimmed category name.
func checkCategoryName(name string) error {
	switch {
	case name == "":
		return fieldErr("name", "请填写分类名称")
	case strings.Contains(name, "/"):
		return fieldErr("name", "分类名称不能包含“/”")
	case utf8.RuneCountInString(name) > maxCategoryName:
		return fieldErr("name", "分类名称不能超过%d个字", maxCategoryName)
	}
	return nil
}

// CategoryNode is a category as admins see it: with the number of all its
// documents (drafts and withheld ones included) besides the public count,
// and its sub-categories in order.
type CategoryNode struct {
	Category
	Total    int             `db:"total" json:"total"` // documents of any state filed directly here
	Depth    int             `db:"-" json:"depth"`     // 0 for a top-level category
	Children []*CategoryNode `db:"-" json:"children"`
}

// CategoryTree returns the top-level categories, each with its
// sub-categories, siblings in the order admins gave them (position, then
// id, as the kiosk shows them).
func (s *Store) CategoryTree(ctx context.Context) ([]*CategoryNode, error) {
	const q = `SELECT c.id, c.parent_id, c.name, c.path, c.position,
			count(d.id) FILTER (WHERE d.state = 'published' AND d.disclosure <> '不予公开') AS count,
			count(d.id) AS total
		FROM categories c LEFT JOIN documents d ON d.category_id = c.id
		GROUP BY c.id ORDER BY c.position, c.id`
	var rows []*CategoryNode
	if err := s.db.SelectContext(ctx, &rows, q); err != nil {
		return nil, fmt.Errorf("kiosk: category tree: %w", err)
	}
	byID := make(map[int64]*CategoryNode, len(rows))
	for _, n := range rows {
		n.Children = []*CategoryNode{}
		byID[n.ID] = n
	}
	roots := []*CategoryNode{}
	for _, n := range rows {
		if n.ParentID == nil {
			roots = append(roots, n)
		} else if p, ok := byID[*n.ParentID]; ok {
			p.Children = append(p.Children, n)
		}
	}
	var depth func(ns []*CategoryNode, d int)
	depth = func(ns []*CategoryNode, d int) {
		for _, n := range ns {
			n.Depth = d
			depth(n.Children, d+1)
		}
	}
	depth(roots, 0)
	return roots, nil
}

// AddCategory adds a category named name under parent (0: at the top
// level), after its siblings, audited (category.add). It fails with a
// FieldError for a bad or taken name or an unknown parent.
func (s *Store) AddCategory(ctx context.Context, a Actor, parent int64, name string) (Category, error) {
	name = strings.TrimSpace(name)
	if err := checkCategoryName(name); err != nil {
		return Category{}, err
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return Category{}, fmt.Errorf("kiosk: add category: %w", err)
	}
	defer tx.Rollback()
	var parentID *int64
	path := name
	if parent != 0 {
		var pp string
		err := tx.GetContext(ctx, &pp, `SELECT path FROM categories WHERE id = $1 FOR SHARE`, parent)
		if errors.Is(err, sql.ErrNoRows) {
			return Category{}, fieldErr("parent_id", "上级分类不存在，请刷新页面后重新选择")
		} else if err != nil {
			return Category{}, fmt.Errorf("kiosk: add category: %w", err)
		}
		parentID, path = &parent, pp+"/"+name
	}
	const q = `INSERT INTO categories (parent_id, name, path, position)
		VALUES ($1, $2, $3, (SELECT coalesce(max(position) + 1, 0) FROM categories WHERE parent_id IS NOT DISTINCT FROM $1))
		ON CONFLICT (path) DO NOTHING
		RETURNING id, parent_id, name, path, position`
	var rows []Category
	if err := tx.SelectContext(ctx, &rows, q, parentID, name, path); err != nil {
		return Category{}, fmt.Errorf("kiosk: add category %s: %w", path, err)
	}
	if len(rows) == 0 {
		return Category{}, fieldErr("name", "已有分类“%s”", path)
	}
	if err := audit(ctx, tx, a, "category.add", "category", rows[0].ID, map[string]any{"path": path}); err != nil {
		return Category{}, err
	}
	return rows[0], tx.Commit()
}

// ReorderCategories puts the sub-categories of parent (0: the top level) in
// the order of ids, which must list each of them once, audited
// (category.reorder). It fails with ErrConflict when ids are not exactly
// the current siblings (someone changed the tree meanwhile).
func (s *Store) ReorderCategories(ctx context.Context, a Actor, parent int64, ids []int64) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("kiosk: reorder categories: %w", err)
	}
	defer tx.Rollback()
	var parentID *int64
	if parent != 0 {
		parentID = &parent
	}
	var siblings []struct {
		ID   int64  `db:"id"`
		Name string `db:"name"`
	}
	const lock = `SELECT id, name FROM categories WHERE parent_id IS NOT DISTINCT FROM $1 ORDER BY id FOR UPDATE`
	if err := tx.SelectContext(ctx, &siblings, lock, parentID); err != nil {
		return fmt.Errorf("kiosk: reorder categories: %w", err)
	}
	names := make(map[int64]string, len(siblings))
	for _, c := range siblings {
		names[c.ID] = c.Name
	}
	seen := map[int64]bool{}
	order := make([]string, 0, len(ids))
	for _, id := range ids {
		if _, ok := names[id]; !ok || seen[id] {
			return fmt.Errorf("%w: 分类已被修改，请刷新页面后重新排序", ErrConflict)
		}
		seen[id] = true
		order = append(order, names[id])
	}
	if len(ids) != len(siblings) {
		return fmt.Errorf("%w: 分类已被修改，请刷新页面后重新排序", ErrConflict)
	}
	const q = `UPDATE categories c SET position = o.n - 1
		FROM unnest($1::bigint[]) WITH ORDINALITY AS o(id, n) WHERE c.id = o.id AND c.position <> o.n - 1`
	if _, err := tx.ExecContext(ctx, q, pq.Array(ids)); err != nil {
		return fmt.Errorf("kiosk: reorder categories: %w", err)
	}
	if err := audit(ctx, tx, a, "category.reorder", "category", parent, map[string]any{"order": order}); err != nil {
		return err
	}
	return tx.Commit()
}

// Merge reports what MergeCategory did.
type Merge struct {
	From      string `json:"from"`      // the path of the merged category, now gone
	Into      string `json:"into"`      // the path of the category that took its contents
	Documents int    `json:"documents"` // documents moved
	Children  int    `json:"children"`  // sub-categories moved under Into
}

// MergeCategory moves the documents and sub-categories of from into into
// and deletes from, in one transaction, audited (category.merge); the moved
// documents are reindexed with it, so search and its category facets follow
// at once. It fails with a FieldError when into is from or below it, or
// already has a sub-category named as one of from's, and with ErrNotFound
// for an unknown category.
func (s *Store) MergeCategory(ctx context.Context, a Actor, from, into int64) (Merge, error) {
	if from == into {
		return Merge{}, fieldErr("into", "请选择另一个分类：不能合并到它自己")
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return Merge{}, fmt.Errorf("kiosk: merge category: %w", err)
	}
	defer tx.Rollback()
	var both []Category
	const lock = `SELECT id, parent_id, name, path, position FROM categories WHERE id IN ($1, $2) ORDER BY id FOR UPDATE`
	if err := tx.SelectContext(ctx, &both, lock, from, into); err != nil {
		return Merge{}, fmt.Errorf("kiosk: merge category: %w", err)
	}
	var src, dst *Category
	for i := range both {
		switch both[i].ID {
		case from:
			src = &both[i]
		case into:
			dst = &both[i]
		}
	}
	switch {
	case src == nil:
		return Merge{}, fmt.Errorf("category %d: %w", from, ErrNotFound)
	case dst == nil:
		return Merge{}, fieldErr("into", "目标分类不存在，请刷新页面后重新选择")
	case strings.HasPrefix(dst.Path, src.Path+"/"):
		return Merge{}, fieldErr("into", "不能合并到它自己的下级分类“%s”", dst.Path)
	}
	m := Merge{From: src.Path, Into: dst.Path}
	var clash []string
	const clashQ = `SELECT c.name FROM categories c JOIN categories d ON d.parent_id = $2 AND d.name = c.name
		WHERE c.parent_id = $1 ORDER BY c.name`
	if err := tx.SelectContext(ctx, &clash, clashQ, from, into); err != nil {
		return Merge{}, fmt.Errorf("kiosk: merge category: %w", err)
	}
	if len(clash) > 0 {
		return Merge{}, fieldErr("into", "“%s”下已有同名的下级分类：%s。请先把它们改名或合并", dst.Path, strings.Join(clash, "、"))
	}
	var moved []int64
	if err := tx.SelectContext(ctx, &moved, `UPDATE documents SET category_id = $2 WHERE category_id = $1 RETURNING id`, from, into); err != nil {
		return Merge{}, fmt.Errorf("kiosk: move documents of category %d: %w", from, err)
	}
	m.Documents = len(moved)
	// Sub-categories go after into's own, in their order; the paths below
	// from are rewritten under into.
	const reparent = `UPDATE categories SET parent_id = $2,
			position = position + (SELECT coalesce(max(position) + 1, 0) FROM categories WHERE parent_id = $2)
		WHERE parent_id = $1`
	res, err := tx.ExecContext(ctx, reparent, from, into)
	if err != nil {
		return Merge{}, fmt.Errorf("kiosk: move sub-categories of %d: %w", from, err)
	}
	n, _ := res.RowsAffected()
	m.Children = int(n)
	const repath = `UPDATE categories SET path = $2 || substr(path, length($1) + 1) WHERE path LIKE $3 || '/%'`
	_, err = tx.ExecContext(ctx, repath, src.Path, dst.Path, likeEscape(src.Path))
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "23505" {
		return Merge{}, fieldErr("into", "合并后会出现重复的分类，请先把同名的下级分类改名")
	} else if err != nil {
		return Merge{}, fmt.Errorf("kiosk: rewrite paths below %s: %w", src.Path, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM categories WHERE id = $1`, from); err != nil {
		return Merge{}, fmt.Errorf("kiosk: delete merged category %d: %w", from, err)
	}
	if s.indexer != nil && len(moved) > 0 {
		if err := s.indexer.Reindex(ctx, tx, moved); err != nil {
			return Merge{}, fmt.Errorf("kiosk: index moved documents: %w", err)
		}
	}
	detail := map[string]any{"from": m.From, "into": m.Into, "into_id": into, "documents": m.Documents, "children": m.Children}
	if err := audit(ctx, tx, a, "category.merge", "category", from, detail); err != nil {
		return Merge{}, err
	}
	return m, tx.Commit()
}

// likeEscape quotes the LIKE wildcards of s.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
