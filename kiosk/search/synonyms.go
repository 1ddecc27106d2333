package search

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lib/pq"
)

// Synonym is one pair of the synonym and abbreviation table; it works in
// both directions (低保 finds 最低生活保障 and the other way round).
type Synonym struct {
	ID        int64     `db:"id" json:"id"`
	Term      string    `db:"term" json:"term"`
	Synonym   string    `db:"synonym" json:"synonym"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
}

// keyword is a curated term with its pinyin, for A–Z queries and suggestions.
type keyword struct {
	term, full, initials string
}

// synonymSet is the synonym table in memory: term → the terms it stands for.
type synonymSet struct {
	alts     map[string][]string
	maxRunes int
	keywords []keyword
}

func newSynonymSet(rows []Synonym, py *pinyinSpeller) *synonymSet {
	set := &synonymSet{alts: map[string][]string{}}
	link := func(a, b string) {
		set.alts[a] = append(set.alts[a], b)
		set.maxRunes = max(set.maxRunes, utf8.RuneCountInString(a))
	}
	for _, r := range rows {
		link(r.Term, r.Synonym)
		link(r.Synonym, r.Term)
	}
	for term := range set.alts {
		full, ini := py.spell(term)
		set.keywords = append(set.keywords, keyword{term: term, full: full, initials: ini})
	}
	sort.Slice(set.keywords, func(i, j int) bool { return set.keywords[i].term < set.keywords[j].term })
	return set
}

// pinyinKeywords returns the terms whose initials or full pinyin equal p, or
// failing that start with it (at most limit, shortest first).
func (set *synonymSet) pinyinKeywords(p string, limit int) []string {
	var exact, prefix []string
	for _, k := range set.keywords {
		switch {
		case k.initials == p || k.full == p:
			exact = append(exact, k.term)
		case strings.HasPrefix(k.initials, p) || strings.HasPrefix(k.full, p):
			prefix = append(prefix, k.term)
		}
	}
	if len(exact) == 0 {
		exact = prefix
	}
	sort.SliceStable(exact, func(i, j int) bool { return utf8.RuneCountInString(exact[i]) < utf8.RuneCountInString(exact[j]) })
	return exact[:min(limit, len(exact))]
}

// synonyms returns the synonym table, read again once it is older than the
// TTL. When a reread fails the previous table is kept (and the error logged).
func (s *Store) synonyms(ctx context.Context) (*synonymSet, error) {
	s.synMu.Lock()
	defer s.synMu.Unlock()
	if s.syn != nil && time.Since(s.synLoaded) < s.opts.SynonymTTL {
		return s.syn, nil
	}
	rows, err := s.Synonyms(ctx)
	if err != nil {
		if s.syn != nil {
			s.log.Warn("search: reload synonyms", "err", err)
			return s.syn, nil
		}
		return nil, err
	}
	s.syn, s.synLoaded = newSynonymSet(rows, s.an.py), time.Now()
	return s.syn, nil
}

func (s *Store) invalidateSynonyms() {
	s.synMu.Lock()
	s.synLoaded = time.Time{}
	s.synMu.Unlock()
	s.cache.invalidate()
}

// Synonyms lists the synonym table, oldest first.
func (s *Store) Synonyms(ctx context.Context) ([]Synonym, error) {
	var out []Synonym
	const q = `SELECT id, term, synonym, created_at FROM search_synonyms ORDER BY id`
	if err := s.db.SelectContext(ctx, &out, q); err != nil {
		return nil, fmt.Errorf("search: list synonyms: %w", err)
	}
	return out, nil
}

// checkTerm normalises a term of the synonym table: Han characters, letters
// and digits, 1–40 characters.
func checkTerm(field, t string) (string, error) {
	c := compact(t)
	if c == "" {
		return "", fieldErr(field, "请填写词语")
	}
	if utf8.RuneCountInString(c) > 40 {
		return "", fieldErr(field, "词语不能超过40个字")
	}
	for _, r := range c {
		if !isHan(r) && !isAlnum(r) {
			return "", fieldErr(field, "词语只能包含汉字、字母和数字，%q 不可用", r)
		}
	}
	return c, nil
}

// AddSynonym adds a pair to the synonym table, audited. Terms are
// normalised; it fails with a FieldError for an empty, too long or equal
// term and with ErrConflict when the pair exists (in either order).
func (s *Store) AddSynonym(ctx context.Context, a Actor, term, synonym string) (Synonym, error) {
	t, err := checkTerm("term", term)
	if err != nil {
		return Synonym{}, err
	}
	syn, err := checkTerm("synonym", synonym)
	if err != nil {
		return Synonym{}, err
	}
	if t == syn {
		return Synonym{}, fieldErr("synonym", "同义词不能与原词相同")
	}
	var out Synonym
	err = s.inTx(ctx, func(tx txExec) error {
		const q = `INSERT INTO search_synonyms (term, synonym, created_by) VALUES ($1, $2, NULLIF($3, 0))
			RETURNING id, term, synonym, created_at`
		if err := tx.GetContext(ctx, &out, q, t, syn, a.AccountID); err != nil {
			var pqErr *pq.Error
			if errors.As(err, &pqErr) && pqErr.Code == "23505" {
				return fmt.Errorf("%w: %s ↔ %s", ErrConflict, t, syn)
			}
			return fmt.Errorf("search: add synonym: %w", err)
		}
		return audit(ctx, tx, a, "search.synonym.add", out.ID, map[string]any{"term": t, "synonym": syn})
	})
	if err != nil {
		return Synonym{}, err
	}
	s.invalidateSynonyms()
	return out, nil
}

// DeleteSynonym removes a pair from the synonym table, audited. It fails
// with ErrNotFound for an unknown id.
func (s *Store) DeleteSynonym(ctx context.Context, a Actor, id int64) error {
	err := s.inTx(ctx, func(tx txExec) error {
		var old Synonym
		const q = `DELETE FROM search_synonyms WHERE id = $1 RETURNING id, term, synonym, created_at`
		if err := tx.GetContext(ctx, &old, q, id); errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: synonym %d", ErrNotFound, id)
		} else if err != nil {
			return fmt.Errorf("search: delete synonym %d: %w", id, err)
		}
		return audit(ctx, tx, a, "search.synonym.delete", id, map[string]any{"term": old.Term, "synonym": old.Synonym})
	})
	if err != nil {
		return err
	}
	s.invalidateSynonyms()
	return nil
}
