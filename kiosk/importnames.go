package kiosk

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/govhall/govhall/kiosk/search"
)

// importNames resolves the agencies and categories of an import for the
// whole run, with the names the search columns contain.
type importNames struct {
	r          *resolver
	agencies   map[int64][2]string // id → short name, full name
	categories map[int64]string    // id → name
}

// resolve returns the ids of the line's agency and category, or the
// *FieldError of the first that is unknown.
func (n *importNames) resolve(ctx context.Context, db *sqlx.DB, c checked) (agency, category int64, err error) {
	if n.r == nil {
		n.r, n.agencies, n.categories = newResolver(db), map[int64][2]string{}, map[int64]string{}
	}
	if agency, err = n.r.agency(ctx, c.Agency); err != nil {
		return 0, 0, err
	}
	if category, err = n.r.category(ctx, c.Category); err != nil {
		return 0, 0, err
	}
	if _, ok := n.agencies[agency]; !ok {
		var v struct {
			Name     string `db:"name"`
			FullName string `db:"full_name"`
		}
		if err := db.GetContext(ctx, &v, `SELECT name, full_name FROM departments WHERE id = $1`, agency); err != nil {
			return 0, 0, fmt.Errorf("kiosk: read agency %d: %w", agency, err)
		}
		n.agencies[agency] = [2]string{v.Name, v.FullName}
	}
	if _, ok := n.categories[category]; !ok {
		var name string
		if err := db.GetContext(ctx, &name, `SELECT name FROM categories WHERE id = $1`, category); err != nil {
			return 0, 0, fmt.Errorf("kiosk: read category %d: %w", category, err)
		}
		n.categories[category] = name
	}
	return agency, category, nil
}

// text is what the search columns of a resolved line are computed from,
// as the indexer would read it back from the database.
func (n *importNames) text(p *prepared) search.Text {
	a := n.agencies[p.agencyID]
	t := search.Text{Title: p.c.Title, DocNumber: p.c.DocNumber, Topic: p.c.Topic,
		Agency: a[0], AgencyFull: a[1], Category: n.categories[p.category]}
	if p.c.Disclosure == Proactive {
		t.Body = p.c.Body
	}
	if !p.c.published.IsZero() {
		t.Month = p.c.published.Format("2006-01")
	}
	return t
}
