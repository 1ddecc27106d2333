package calendar

import (
	"context"

	"github.com/jmoiron/sqlx"
)

// RebasePreviewer is a Rebaser that can also tell, without writing, how
// many items a change would re-date. Preview asks every registered Rebaser
// that is one.
type RebasePreviewer interface {
	Rebaser
	// PreviewRebase counts what Rebase would re-date for cal and changed,
	// reading through q only.
	PreviewRebase(ctx context.Context, q sqlx.QueryerContext, cal *Calendar, changed Range) (int, error)
}

// Preview tells what AddNotice (replace false) or ReplaceYear would do with
// n now, writing nothing: the version, the dates that change and in Rebased
// how many items the Rebasers would re-date (open query clocks, for the
// admin to see before saving). It fails as they do: with a *FieldError for
// an invalid notice, ErrExists or ErrNotFound.
func (s *Store) Preview(ctx context.Context, n Notice, replace bool) (Change, error) {
	if err := n.Validate(); err != nil {
		return Change{}, err
	}
	old, err := load(ctx, s.db, s.hours)
	if err != nil {
		return Change{}, err
	}
	next, ch, _, err := s.apply(old, n, replace)
	if err != nil || !ch.Changed {
		return ch, err
	}
	s.mu.Lock()
	rs := append([]Rebaser(nil), s.rebasers...)
	s.mu.Unlock()
	for _, r := range rs {
		p, ok := r.(RebasePreviewer)
		if !ok {
			continue
		}
		k, err := p.PreviewRebase(ctx, s.db, next, ch.Range)
		if err != nil {
			return Change{}, err
		}
		ch.Rebased += k
	}
	return ch, nil
}
