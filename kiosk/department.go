package kiosk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

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
	// OfficeHours is when the department receives people, as they read
	// it (办公时间), such as "工作日 8:30–12:00，14:00–17:30".
	OfficeHours string `db:"office_hours" json:"office_hours"`
}

// Departments lists all departments by code.
func (s *Store) Departments(ctx context.Context) ([]Department, error) {
	var ds []Department
	if err := s.db.SelectContext(ctx, &ds, `SELECT id, code, name, full_name, gov_office, phone, office_hours FROM departments ORDER BY id`); err != nil {
		return nil, fmt.Errorf("kiosk: list departments: %w", err)
	}
	return ds, nil
}

// Department returns one department by code, short name or full name, or ErrNotFound.
func (s *Store) Department(ctx context.Context, key string) (Department, error) {
	var d Department
	const q = `SELECT id, code, name, full_name, gov_office, phone, office_hours FROM departments WHERE code = $1 OR name = $1 OR full_name = $1 LIMIT 1`
	err := s.db.GetContext(ctx, &d, q, key)
	if errors.Is(err, sql.ErrNoRows) {
		return d, fmt.Errorf("department %q: %w", key, ErrNotFound)
	}
	if err != nil {
		return d, fmt.Errorf("kiosk: department %q: %w", key, err)
	}
	return d, nil
}

var departmentCodeRE = regexp.MustCompile(`^[a-z0-9_-]{2,32}$`)

// SaveDepartment creates or updates (by code) a department, audited.
// Refused inputs are FieldErrors in Chinese; a name or full name another
// department has is ErrConflict.
func (s *Store) SaveDepartment(ctx context.Context, a Actor, d Department) (Department, error) {
	d.Name, d.FullName = strings.TrimSpace(d.Name), strings.TrimSpace(d.FullName)
	d.Phone, d.OfficeHours = strings.TrimSpace(d.Phone), strings.TrimSpace(d.OfficeHours)
	switch {
	case !departmentCodeRE.MatchString(d.Code):
		return d, fieldErr("code", "部门代码为 2 到 32 位小写字母、数字、_ 或 -，如 mzj")
	case d.FullName == "":
		return d, fieldErr("full_name", "请填写部门全称（发文机关的全称，不要简写）")
	case d.Name == "":
		return d, fieldErr("name", "请填写部门简称，如 民政局")
	case utf8.RuneCountInString(d.Name) > 30:
		return d, fieldErr("name", "简称最多 30 个字")
	case utf8.RuneCountInString(d.FullName) > 60:
		return d, fieldErr("full_name", "全称最多 60 个字")
	case utf8.RuneCountInString(d.Phone) > 40:
		return d, fieldErr("phone", "电话最多 40 个字符")
	case utf8.RuneCountInString(d.OfficeHours) > 100:
		return d, fieldErr("office_hours", "办公时间最多 100 个字")
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return d, fmt.Errorf("kiosk: save department: %w", err)
	}
	defer tx.Rollback()
	var taken string
	err = tx.GetContext(ctx, &taken, `SELECT CASE WHEN name = $2 THEN 'name' ELSE 'full_name' END FROM departments
		WHERE code <> $1 AND (name = $2 OR full_name = $3) LIMIT 1`, d.Code, d.Name, d.FullName)
	if err == nil {
		return d, fieldErr(taken, "另一个部门已经使用这个名称")
	} else if !errors.Is(err, sql.ErrNoRows) {
		return d, fmt.Errorf("kiosk: save department %s: %w", d.Code, err)
	}
	const q = `INSERT INTO departments (code, name, full_name, gov_office, phone, office_hours) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, full_name = EXCLUDED.full_name,
			gov_office = EXCLUDED.gov_office, phone = EXCLUDED.phone, office_hours = EXCLUDED.office_hours
		RETURNING id`
	err = tx.GetContext(ctx, &d.ID, q, d.Code, d.Name, d.FullName, d.GovOffice, d.Phone, d.OfficeHours)
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "23505" {
		return d, fmt.Errorf("%w: 另一个部门已经使用名称“%s”或“%s”", ErrConflict, d.Name, d.FullName)
	}
	if err != nil {
		return d, fmt.Errorf("kiosk: save department %s: %w", d.Code, err)
	}
	detail := map[string]any{"code": d.Code, "name": d.Name, "full_name": d.FullName, "phone": d.Phone, "office_hours": d.OfficeHours, "gov_office": d.GovOffice}
	if err := audit(ctx, tx, a, "department.save", "department", d.ID, detail); err != nil {
		return d, err
	}
	return d, tx.Commit()
}
