package queries

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
)

// department is the part of a department the queries need.
type department struct {
	ID        int64  `db:"id"`
	Code      string `db:"code"`
	Name      string `db:"name"`
	GovOffice bool   `db:"gov_office"`
}

// unclear is what a caller or liaison gives when the next department is not
// known: the government office routes it.
const unclear = "unclear"

// findDepartment returns the department with the code, short or full name
// key. It fails with a *FieldError for field when there is none.
func findDepartment(ctx context.Context, q sqlx.QueryerContext, field, key string) (department, error) {
	var d department
	const sel = `SELECT id, code, name, gov_office FROM departments WHERE code = $1 OR name = $1 OR full_name = $1
		ORDER BY id LIMIT 1`
	err := sqlx.GetContext(ctx, q, &d, sel, strings.TrimSpace(key))
	if errors.Is(err, sql.ErrNoRows) {
		return d, fieldErr(field, "没有名为“%s”的部门，请填写部门代码或名称，不清楚时留空", key)
	}
	if err != nil {
		return d, fmt.Errorf("queries: department %q: %w", key, err)
	}
	return d, nil
}

// departmentByID returns the department with the id.
func departmentByID(ctx context.Context, q sqlx.QueryerContext, id int64) (department, error) {
	var d department
	err := sqlx.GetContext(ctx, q, &d, `SELECT id, code, name, gov_office FROM departments WHERE id = $1`, id)
	if err != nil {
		return d, fmt.Errorf("queries: department %d: %w", id, err)
	}
	return d, nil
}

// govOffice returns the id of the government office (departments.gov_office),
// which routes unclear and forwarded queries. It fails when none is set up.
func (s *Store) govOffice(ctx context.Context, q sqlx.QueryerContext) (int64, error) {
	var id int64
	err := sqlx.GetContext(ctx, q, &id, `SELECT id FROM departments WHERE gov_office ORDER BY id LIMIT 1`)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("queries: no department is marked as the government office (departments.gov_office)")
	}
	if err != nil {
		return 0, fmt.Errorf("queries: government office: %w", err)
	}
	return id, nil
}

// isGovOffice reports whether the department id is a government office.
func (o *op) isGovOffice(id int64) (bool, error) {
	var gov bool
	err := o.tx.GetContext(o.ctx, &gov, `SELECT gov_office FROM departments WHERE id = $1`, id)
	if err != nil {
		return false, fmt.Errorf("queries: department %d: %w", id, err)
	}
	return gov, nil
}

// resolveNext reads where a query goes next: a department, or the
// government office for "unclear" or an empty key.
func (o *op) resolveNext(field, key string) (department, error) {
	if k := strings.TrimSpace(key); k == "" || k == unclear {
		id, err := o.s.govOffice(o.ctx, o.tx)
		if err != nil {
			return department{}, err
		}
		return departmentByID(o.ctx, o.tx, id)
	}
	return findDepartment(o.ctx, o.tx, field, key)
}
