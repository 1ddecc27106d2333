package main

import (
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/jmoiron/sqlx"
)

// The pg_trgm peer of the search comparison: a copy of the public documents
// in a schema of its own (cmp_trgm, dropped before and after the benchmark,
// never a project migration) with GIN trigram indexes on the head (title,
// 文号, agency) and on the body, searched with ILIKE '%piece%' for every
// piece of the query (or q <% head, trigram word similarity, for 文号 typed
// in another bracket style), ranked by word similarity of q to the head,
// newest first.

const trgmSchema = "cmp_trgm"

// trgmSetup creates the schema, the extension (in the schema, unless the
// database has it already) and the table, copied from public_documents.
var trgmSetup = []string{
	`DROP SCHEMA IF EXISTS cmp_trgm CASCADE`,
	`CREATE SCHEMA cmp_trgm`,
	`CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA cmp_trgm`,
	`CREATE TABLE cmp_trgm.docs AS
	SELECT d.id, d.title || ' ' || COALESCE(d.doc_number, '') || ' ' || COALESCE(a.name || ' ' || a.full_name, '') AS head,
		d.body, d.title, COALESCE(d.doc_number, '') AS doc_number, COALESCE(a.name, '') AS agency,
		d.kind, d.validity, d.published_at AS published, COALESCE(extract(year FROM d.published_at)::int, 0) AS year
	FROM public_documents d LEFT JOIN departments a ON a.id = d.agency_id`,
	`ALTER TABLE cmp_trgm.docs ADD PRIMARY KEY (id)`,
}

// trgmIndexes are built after the copy, timed apart from it.
var trgmIndexes = []string{
	`SET maintenance_work_mem = '256MB'`,
	`CREATE INDEX docs_head_trgm ON cmp_trgm.docs USING gin (head %s.gin_trgm_ops)`,
	`CREATE INDEX docs_body_trgm ON cmp_trgm.docs USING gin (body %s.gin_trgm_ops)`,
	`ANALYZE cmp_trgm.docs`,
}

// trgmExtSchema is where pg_trgm's functions and operators live.
const trgmExtSchema = `SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
	WHERE e.extname = 'pg_trgm'`

// buildTrgm copies the documents and indexes them; it returns the schema
// holding pg_trgm.
func buildTrgm(ctx context.Context, db *sqlx.DB) (string, error) {
	conn, err := db.Connx(ctx)
	if err != nil {
		return "", fmt.Errorf("pg_trgm set-up: %w", err)
	}
	defer conn.Close()
	for _, q := range trgmSetup {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return "", fmt.Errorf("pg_trgm set-up %.60q: %w", q, err)
		}
	}
	var ext string
	if err := conn.GetContext(ctx, &ext, trgmExtSchema); err != nil {
		return "", fmt.Errorf("pg_trgm schema: %w", err)
	}
	for _, q := range trgmIndexes {
		if strings.Contains(q, "%s") {
			q = fmt.Sprintf(q, ext)
		}
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return "", fmt.Errorf("pg_trgm index %.60q: %w", q, err)
		}
	}
	return ext, nil
}

// dropTrgm removes the schema (and pg_trgm, if the schema holds it).
func dropTrgm(db *sqlx.DB) error {
	_, err := db.Exec(`DROP SCHEMA IF EXISTS cmp_trgm CASCADE`)
	return err
}

// trgmSQL builds the search for pieces pieces; $1 is q as typed, $2…$4
// year, kind and validity ("" or 0 for any), $5 the page size, $6… the
// ILIKE patterns.
func trgmSQL(ext string, pieces int) string {
	var where []string
	for i := range pieces {
		p := fmt.Sprintf("$%d", 6+i)
		where = append(where, fmt.Sprintf("(head ILIKE %s OR body ILIKE %s)", p, p))
	}
	match := "(" + strings.Join(where, " AND ") + fmt.Sprintf(" OR $1 OPERATOR(%s.<%%) head)", ext)
	return fmt.Sprintf(`SELECT id, title, doc_number, agency, COALESCE(to_char(published, 'YYYY-MM-DD'), '') AS published_at,
		count(*) OVER () AS total
	FROM cmp_trgm.docs
	WHERE %s AND ($2 = 0 OR year = $2) AND ($3 = '' OR kind = $3) AND ($4 = '' OR validity = $4)
	ORDER BY %s.word_similarity($1, head) DESC, published DESC NULLS LAST, id DESC LIMIT $5`, match, ext)
}

// trgmSearch answers a search from the copy.
func trgmSearch(ctx context.Context, db *sqlx.DB, ext string, pr peerRequest) (peerResult, error) {
	pieces := strings.Fields(pr.q)
	args := []any{pr.q, pr.year, pr.kind, pr.validity, pr.limit}
	for _, p := range pieces {
		args = append(args, "%"+likeEscape(p)+"%")
	}
	var rows []struct {
		peerHit
		Total int `db:"total"`
	}
	if err := db.SelectContext(ctx, &rows, trgmSQL(ext, len(pieces)), args...); err != nil {
		return peerResult{}, fmt.Errorf("pg_trgm search %q: %w", pr.q, err)
	}
	res := peerResult{Items: []peerHit{}}
	for _, r := range rows {
		res.Total = r.Total
		res.Items = append(res.Items, r.peerHit)
	}
	return res, nil
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func listenLoopback() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }
