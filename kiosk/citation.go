package kiosk

import (
	"context"
	"fmt"
	"regexp"
	"strings"
)

// Citation is a public document a text cites (by 《title》 or 文号), with
// whether it is still in force and what replaced it: an operator reading
// out a knowledge-base answer must know that the rule it quotes is gone.
type Citation struct {
	Cited       string `json:"cited"` // as the text writes it
	Document    Link   `json:"document"`
	Current     bool   `json:"current"`
	ReplacedBy  *Link  `json:"replaced_by,omitempty"`
	Explanation string `json:"explanation,omitempty"` // for staff: "已废止，现行文件是《…》"
}

var (
	citedTitle = regexp.MustCompile(`《([^《》]{2,80})》`)
	// citedNumber finds 文号 such as 沂民发〔2024〕6号 in running text.
	citedNumber = regexp.MustCompile(`[\p{Han}]{1,12}[〔［\[（(【]\s*(19|20)\d\d\s*[〕］\]）)】]\s*\d{1,4}\s*号`)
)

// maxCitations bounds the lookups for one text.
const maxCitations = 10

// Citations returns the public documents text cites, each once, in the
// order cited; titles and 文号 that match no public document are left out.
func (s *Store) Citations(ctx context.Context, text string) ([]Citation, error) {
	var out []Citation
	seen := map[int64]bool{}
	add := func(cited string, l Link) error {
		if seen[l.ID] || len(out) >= maxCitations {
			return nil
		}
		seen[l.ID] = true
		c := Citation{Cited: cited, Document: l, Current: l.Validity == Valid}
		if !c.Current {
			repl, err := s.replacementOf(ctx, l.ID)
			if err != nil {
				return err
			}
			c.ReplacedBy = repl
			c.Explanation = "该文件" + validityWord(l.Validity)
			if repl != nil {
				c.Explanation += "，现行文件是《" + repl.Title + "》"
			}
		}
		out = append(out, c)
		return nil
	}
	for _, m := range citedTitle.FindAllStringSubmatch(text, maxCitations) {
		ls, err := s.publicLinks(ctx, `title = $1`, strings.TrimSpace(m[1]))
		if err != nil {
			return nil, err
		}
		for _, l := range ls {
			if err := add(m[0], l); err != nil {
				return nil, err
			}
		}
	}
	for _, n := range citedNumber.FindAllString(text, maxCitations) {
		ls, cited, err := s.byCitedNumber(ctx, n)
		if err != nil {
			return nil, err
		}
		for _, l := range ls {
			if err := add(cited, l); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// byCitedNumber finds the documents of a 文号 found in running text, whose
// match may have taken in words before the issuing agency's abbreviation
// ("见沂民发〔2019〕5号"): it drops leading characters until one matches.
func (s *Store) byCitedNumber(ctx context.Context, n string) ([]Link, string, error) {
	rs := []rune(n)
	for i := 0; i < len(rs); i++ {
		if strings.ContainsAny(string(rs[i]), "〔［[（(【") {
			break // the agency abbreviation is used up
		}
		cited := string(rs[i:])
		key, err := s.docKey(cited)
		if err != nil || key == "" {
			continue
		}
		ls, err := s.publicLinks(ctx, `doc_number_key = $1`, key)
		if err != nil || len(ls) > 0 {
			return ls, cited, err
		}
	}
	return nil, "", nil
}

func validityWord(v string) string {
	switch v {
	case "废止":
		return "已废止"
	case "失效":
		return "已失效"
	case "已修订":
		return "已修订"
	}
	return v
}

// publicLinks returns the public documents matching cond on one argument.
func (s *Store) publicLinks(ctx context.Context, cond string, arg any) ([]Link, error) {
	var ls []Link
	q := `SELECT id, code, title, doc_number, kind, validity FROM public_documents WHERE ` + cond + ` ORDER BY published_at DESC, id LIMIT 3`
	if err := s.db.SelectContext(ctx, &ls, q, arg); err != nil {
		return nil, fmt.Errorf("kiosk: cited documents: %w", err)
	}
	return ls, nil
}

// replacementOf returns the public document that replaced id, if any.
func (s *Store) replacementOf(ctx context.Context, id int64) (*Link, error) {
	ls, err := s.publicLinks(ctx, `id = (SELECT replaced_by FROM public_documents WHERE id = $1)`, id)
	if err != nil || len(ls) == 0 {
		return nil, err
	}
	return &ls[0], nil
}
