package search

// The search statement's parameters (see Store.args):
//
//	$1 title tsquery    $2 match tsquery     $3 title-words tsquery  $4 title-contains regexp
//	$5 exact title      $6 文号 key           $7 year|number          $8 文号 key prefix
//	$9 索引号 forms      $10 query key        $11 title cap           $12 match cap
//	$13 category path   $14 agency           $15 year                $16 validity
//	$17 kind            $18 browse           $19 limit               $20 offset
//	$21 snippet regexp  $22 half-life (s)    $23 relaxed word queries $24 category LIKE pattern
//	$25 synonym-title regexp                 $26 phrase tsquery
//	$27 title query by prefix (pinyin): one scan, never bucket by bucket
//
// A NULL tsquery or an empty string switches its part off.

// filterSQL narrows a candidate set by the request's filters; it is part of
// every candidate query so that caps apply after filtering.
const filterSQL = `
		AND ($13 = '' OR d.category_id IN (SELECT id FROM categories WHERE path = $13 OR path LIKE $24))
		AND ($14 = '' OR d.agency_id IN (SELECT id FROM departments WHERE code = $14 OR name = $14 OR full_name = $14))
		AND ($15 = 0 OR (d.published_at >= make_date($15, 1, 1) AND d.published_at < make_date($15 + 1, 1, 1)))
		AND ($16 = '' OR d.validity = $16)
		AND ($17 = '' OR d.kind = $17)`

// featuresSQL are the ranking features of a candidate row d, computed where
// the candidate is found (no second fetch): the exact tier (文号, 索引号,
// whole title) and the title tier (3 title contains the query, 2.5 it
// contains a synonym's form of it, 2 title has all words, 1 metadata), plus
// half a point per word in the title for a relaxed query.
const featuresSQL = `d.id, d.category_id, d.agency_id, d.kind, d.validity, d.published_at,
		(($6 <> '' AND d.doc_number_key = $6)
			OR ($6 = '' AND $7 <> '' AND d.doc_number_key <> '' AND search_year_number(d.doc_number_key) = $7)
			OR ($8 <> '' AND d.doc_number_key ~>=~ $8 AND d.doc_number_key ~<~ (left($8, -1) || '}'))
			OR d.index_no = ANY($9)
			OR ($5 <> '' AND d.search_norm_title = $5)) AS exact,
		CASE WHEN $4 <> '' AND d.search_norm_title ~ $4 THEN 3
			WHEN $25 <> '' AND d.search_norm_title ~ $25 THEN 2.5
			WHEN d.search_title @@ $3::tsquery THEN 2
			WHEN d.search_title @@ $1::tsquery THEN 1
			ELSE 0 END AS tier,
		CASE WHEN $23::tsquery[] IS NULL THEN 0
			ELSE (SELECT count(*) FROM unnest($23::tsquery[]) w WHERE d.search_title @@ w) * 0.5 END AS words`

// bucketsSQL lists the time buckets matches are taken from, newest first
// (see dateLexemes): for text anywhere the months of the newest year, for
// titles (sparser) that whole year, then the earlier years, then undated
// documents; or the one year filtered on and the undated bucket (a document
// indexed before it got its date is still found; the filter itself reads
// published_at).
const bucketsSQL = `bounds AS (SELECT max(published_at) AS hi, min(published_at) AS lo FROM public_documents),
buckets AS (
	SELECT b, text_walk, title_walk FROM (
		SELECT '#' || to_char(m, 'YYYY-MM') AS b, true AS text_walk, false AS title_walk, 1 AS part,
			extract(year FROM m) * 100 + extract(month FROM m) AS k
		FROM bounds, generate_series(date_trunc('month', hi), date_trunc('year', hi), '-1 month') AS m WHERE $15 = 0
		UNION ALL
		SELECT '#' || extract(year FROM hi), false, true, 1, 0 FROM bounds WHERE $15 = 0 AND hi IS NOT NULL
		UNION ALL
		SELECT '#' || y, true, true, 2, y
		FROM bounds, generate_series(extract(year FROM hi)::int - 1, extract(year FROM lo)::int, -1) AS y WHERE $15 = 0
		UNION ALL SELECT '#' || $15, true, true, 2, $15 WHERE $15 <> 0
		UNION ALL SELECT '#0', true, true, 3, 0) s
	ORDER BY part, k DESC
),`

// candidatesSQL collects bounded candidate sets, all from public_documents:
// dn 文号 and 索引号 matches, t title/metadata matches, a matches anywhere,
// ph documents with every character pair of the query as typed (its words
// adjacent, not just present), b the newest documents (browsing without a
// query), p documents people opened or printed for this query that still
// match. Text matches are taken bucket by bucket, newest first, each a GIN
// bitmap scan of the query AND the bucket marker; the lateral subqueries are
// planned for full retrieval (OFFSET 0), so never as a scan that detoasts
// every vector, and the outer LIMIT stops at the cap. Titles match far less
// often than text anywhere, so title matches come from one scan (t_flat,
// MATERIALIZED so that it is planned for full retrieval too) when they all
// fit under the cap, and bucket by bucket only when there are more. Prefix
// (pinyin) queries cannot skip by bucket (GIN gathers every key with the
// prefix first), so theirs always come from the one scan.
const candidatesSQL = `WITH
dn AS (
	SELECT ` + featuresSQL + ` FROM public_documents d
	WHERE $6 <> '' AND d.doc_number_key <> '' AND d.doc_number_key = $6` + filterSQL + `
	UNION
	SELECT ` + featuresSQL + ` FROM public_documents d WHERE $7 <> '' AND d.doc_number_key <> ''
		AND search_year_number(d.doc_number_key) = $7` + filterSQL + `
	UNION
	(SELECT ` + featuresSQL + ` FROM public_documents d WHERE $8 <> '' AND d.doc_number_key <> ''
		AND d.doc_number_key ~>=~ $8 AND d.doc_number_key ~<~ (left($8, -1) || '}')` + filterSQL + ` LIMIT 200)
	UNION
	SELECT ` + featuresSQL + ` FROM public_documents d WHERE d.index_no = ANY($9)` + filterSQL + `
),
` + bucketsSQL + `
t_flat AS MATERIALIZED (SELECT ` + featuresSQL + ` FROM public_documents d
	WHERE d.search_title @@ $1::tsquery` + filterSQL + `),
t_first AS (SELECT * FROM t_flat LIMIT $11 + 1),
t AS (
	(SELECT * FROM t_first WHERE $27 OR (SELECT count(*) FROM t_first) <= $11 LIMIT $11)
	UNION ALL
	(SELECT x.* FROM buckets CROSS JOIN LATERAL (SELECT ` + featuresSQL + ` FROM public_documents d
		WHERE d.search_title @@ ($1::tsquery && format('%L', buckets.b)::tsquery)` + filterSQL + ` OFFSET 0) x
	WHERE buckets.title_walk AND NOT $27 AND (SELECT count(*) FROM t_first) > $11
	LIMIT $11)
),
a AS (
	SELECT x.* FROM buckets CROSS JOIN LATERAL (SELECT ` + featuresSQL + ` FROM public_documents d
		WHERE d.search_all @@ ($2::tsquery && format('%L', buckets.b)::tsquery)` + filterSQL + ` OFFSET 0) x
	WHERE buckets.text_walk AND $2::tsquery IS NOT NULL
	LIMIT $12
),
ph AS (
	SELECT x.* FROM buckets CROSS JOIN LATERAL (SELECT ` + featuresSQL + ` FROM public_documents d
		WHERE d.search_all @@ ($26::tsquery && format('%L', buckets.b)::tsquery)` + filterSQL + ` OFFSET 0) x
	WHERE buckets.text_walk AND $26::tsquery IS NOT NULL
	LIMIT $12
),
b AS (SELECT ` + featuresSQL + ` FROM public_documents d WHERE $18` + filterSQL + `
	ORDER BY d.published_at DESC NULLS LAST, d.id DESC LIMIT $12),
pop AS (
	SELECT s.doc_id AS id, s.score * exp(-ln(2) * extract(epoch FROM now() - s.updated_at) / $22) AS score
	FROM search_click_scores s WHERE $10 <> '' AND s.qkey = $10
	ORDER BY 2 DESC LIMIT 50
),
p AS (
	SELECT ` + featuresSQL + `
	FROM pop CROSS JOIN LATERAL (SELECT * FROM public_documents d WHERE d.id = pop.id OFFSET 0) d
	WHERE (d.search_all @@ $2::tsquery OR d.search_title @@ $1::tsquery OR d.id IN (SELECT id FROM dn))` + filterSQL + `
),
cand AS (
	SELECT id, category_id, agency_id, kind, validity, published_at, exact, tier, words,
		bool_or(src = 'dn') AS in_dn, bool_or(src = 'ph') AS in_ph
	FROM (SELECT *, 'dn' AS src FROM dn UNION ALL SELECT *, 't' FROM t UNION ALL SELECT *, 'a' FROM a
		UNION ALL SELECT *, 'ph' FROM ph UNION ALL SELECT *, 'b' FROM b UNION ALL SELECT *, 'p' FROM p) u
	GROUP BY id, category_id, agency_id, kind, validity, published_at, exact, tier, words
),
`

// rankSQL orders the candidates: the exact tier first, then current before
// repealed, then the title tier (at least 1 for a sibling 文号) plus 0.5 when
// the words stand together as typed plus the decayed click score (at most
// 3.5), then recency.
const rankSQL = `r AS (
	SELECT cand.*, CASE WHEN in_dn THEN greatest(tier, 1) ELSE tier END AS tier_dn,
		least(3.5, ln(1 + coalesce(pop.score, 0))) AS popularity
	FROM cand LEFT JOIN pop ON pop.id = cand.id
),
ranked AS (
	SELECT r.*, row_number() OVER (ORDER BY r.exact DESC, r.validity = '有效' DESC,
		r.tier_dn + r.words + CASE WHEN r.in_ph THEN 0.5 ELSE 0 END + r.popularity DESC,
		r.published_at DESC NULLS LAST, r.id DESC) AS ord
	FROM r
)
`

// pageSQL returns the page as JSON with a plain-text excerpt around the
// first hit ($21 is a regular expression of the query's words; a regexp
// that cut the excerpt itself, with .{0,24} in front, costs several times
// more) and what replaced a repealed document, when that is public.
const pageSQL = `SELECT coalesce(json_agg(x ORDER BY x.ord), '[]') FROM (
	SELECT k.ord, k.exact, k.tier_dn AS tier, k.popularity, d.id, d.index_no, d.code, d.doc_number, d.title,
		a.name AS agency, a.code AS agency_code, c.name AS category, c.path AS category_path,
		to_char(d.published_at, 'YYYY-MM-DD') AS published_at, d.validity, d.kind,
		CASE WHEN d.disclosure <> '主动公开' THEN ''
			WHEN $21 = '' THEN left(d.body, 110)
			ELSE substr(d.body, greatest(1, regexp_instr(d.body, $21) - 24), 110) END AS snippet,
		CASE WHEN rep.id IS NULL THEN NULL ELSE json_build_object('id', rep.id, 'title', rep.title,
			'doc_number', rep.doc_number, 'code', rep.code) END AS replaced_by
	FROM (SELECT * FROM ranked ORDER BY ord LIMIT $19 OFFSET $20) k
	JOIN documents d ON d.id = k.id
	JOIN departments a ON a.id = d.agency_id
	JOIN categories c ON c.id = d.category_id
	LEFT JOIN public_documents rep ON rep.id = d.replaced_by
) x`

// facetSQL counts the candidates by category, agency, year, kind and validity.
const facetSQL = `json_build_object(
	'category', (SELECT coalesce(json_agg(json_build_object('value', c.path, 'label', c.name, 'count', g.n)
		ORDER BY g.n DESC, c.path), '[]')
		FROM (SELECT category_id, count(*) n FROM r GROUP BY 1) g JOIN categories c ON c.id = g.category_id),
	'agency', (SELECT coalesce(json_agg(json_build_object('value', a.code, 'label', a.name, 'count', g.n)
		ORDER BY g.n DESC, a.name), '[]')
		FROM (SELECT agency_id, count(*) n FROM r GROUP BY 1) g JOIN departments a ON a.id = g.agency_id),
	'year', (SELECT coalesce(json_agg(json_build_object('value', g.y::text, 'label', g.y::text, 'count', g.n)
		ORDER BY g.y DESC), '[]')
		FROM (SELECT extract(year FROM published_at)::int y, count(*) n FROM r
			WHERE published_at IS NOT NULL GROUP BY 1) g),
	'kind', (SELECT coalesce(json_agg(json_build_object('value', kind, 'label', kind, 'count', n)
		ORDER BY n DESC, kind), '[]') FROM (SELECT kind, count(*) n FROM r GROUP BY 1) g),
	'validity', (SELECT coalesce(json_agg(json_build_object('value', validity, 'label', validity, 'count', n)
		ORDER BY n DESC, validity), '[]') FROM (SELECT validity, count(*) n FROM r GROUP BY 1) g))`

// searchSQL is the whole search in one statement: total, whether a cap was
// hit, the page and the facets.
const searchSQL = candidatesSQL + rankSQL + `SELECT
	(SELECT count(*) FROM r) AS total,
	((SELECT count(*) FROM t) >= $11 OR (SELECT count(*) FROM a) >= $12 OR (SELECT count(*) FROM ph) >= $12
		OR (SELECT count(*) FROM b) >= $12) AS capped,
	(` + pageSQL + `) AS items,
	` + facetSQL + ` AS facets`
