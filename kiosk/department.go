package kiosk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/lib/pq"
)

// Department is a government department (部门) with its agency's full name,
// used as 发文机关 of documents and by the hotline for routing.
type Department struct {
	ID        int64  `db:"id" json:"id"`
	Code      string `db:"code" json:"code"`
	Name      string `db:"name" json:"name"`
	FullName  string `db:"full_name" json:"full_name"`
	GovOffice bool   `db:"gov_office" json:"gov_office"`
	Phone     string `db:"phone" json:"phone"`
}

// Departments lists all departments by code.
func (s *Store) Departments(ctx context.Context) ([]Department, error) {
	var ds []Department
	if err := s.db.SelectContext(ctx, &ds, `SELECT id, code, name, full_name, gov_office, phone FROM departments ORDER BY id`); err != nil {
		return nil, fmt.Errorf("kiosk: list departments: %w", err)
	}
	return ds, nil
}

// Department returns one department by code, short name or full name, or ErrNotFound.
func (s *Store) Department(ctx context.Context, key string) (Department, error) {
	var d Department
	const q = `SELECT id, code, name, full_name, gov_office, phone FROM departments WHERE code = $1 OR name = $1 OR full_name = $1 LIMIT 1`
	err := s.db.GetContext(ctx, &d, q, key)
	if errors.Is(err, sql.ErrNoRows) {
		return d, fmt.Errorf("department %q: %w", key, ErrNotFound)
	}
	if err != nil {
		return d, fmt.Errorf("kiosk: department %q: %w", key, err)
	}
	return d, nil
}

// SaveDepartment creates or updates (by code) a department, audited.
func (s *Store) SaveDepartment(ctx context.Context, a Actor, d Department) (Department, error) {
	if d.Code == "" || d.Name == "" || d.FullName == "" {
		return d, fieldErr("full_name", "code, name and full_name (the agency's full name, never abbreviated) are required")
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return d, fmt.Errorf("kiosk: save department: %w", err)
	}
	defer tx.Rollback()
	const q = `INSERT INTO departments (code, name, full_name, gov_office, phone) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, full_name = EXCLUDED.full_name,
			gov_office = EXCLUDED.gov_office, phone = EXCLUDED.phone
		RETURNING id`
	err = tx.GetContext(ctx, &d.ID, q, d.Code, d.Name, d.FullName, d.GovOffice, d.Phone)
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "23505" {
		return d, fmt.Errorf("%w: another department already has the name %q or %q", ErrConflict, d.Name, d.FullName)
	}
	if errors.As(err, &pqErr) && pqErr.Code == "23514" {
		return d, fieldErr("code", "code %q must be 2–32 of a-z 0-9 _ -", d.Code)
	}
	if err != nil {
		return d, fmt.Errorf("kiosk: save department %s: %w", d.Code, err)
	}
	if err := audit(ctx, tx, a, "department.save", "department", d.ID, map[string]any{"code": d.Code, "full_name": d.FullName}); err != nil {
		return d, err
	}
	return d, tx.Commit()
}
