package search

import "time"

// Engines that answer a search, as an Observer is told.
const (
	EngineMemory = "memory" // the in-memory index
	EngineSQL    = "sql"    // the search statement in PostgreSQL
)

// Observer is told how searches go, for monitoring. Its methods are called
// on the search path: they must be cheap and safe for concurrent use.
type Observer interface {
	// SearchRan reports one run of an engine (EngineMemory or EngineSQL)
	// that took d; a search that relaxes its words runs twice.
	SearchRan(engine string, d time.Duration)
	// SearchCached reports a lookup of the result cache.
	SearchCached(hit bool)
}

func (s *Store) observe(engine string, start time.Time) {
	if o := s.opts.Observer; o != nil {
		o.SearchRan(engine, time.Since(start))
	}
}

// IndexStatus is the in-memory index as monitoring and readiness see it.
type IndexStatus struct {
	Enabled   bool          // an in-memory index is kept (Options.NotifyURL)
	Loaded    bool          // it is loaded and follows the database
	Documents int           // public documents in it
	Behind    time.Duration // how long announced changes have waited for a rebuild (a bulk import); 0: current
}

// IndexStatus returns the state of the in-memory index; without one,
// Enabled is false and every search runs in PostgreSQL.
func (s *Store) IndexStatus() IndexStatus {
	m := s.mem
	if m == nil {
		return IndexStatus{}
	}
	st := IndexStatus{Enabled: true}
	if ms := m.state.Load(); ms != nil && m.following() {
		st.Loaded = true
		st.Documents = len(ms.base.docs) - ms.dead.count()
		if ms.overlay != nil {
			st.Documents += len(ms.overlay.docs)
		}
	}
	if at := m.behind.Load(); at != 0 && st.Loaded {
		st.Behind = max(time.Since(time.Unix(0, at)), 0)
	}
	return st
}

// waitingSince records whether changes wait for a rebuild, and since when.
func (m *memEngine) waitingSince(pending bool, first time.Time) {
	if !pending {
		m.behind.Store(0)
	} else if m.behind.Load() == 0 {
		m.behind.Store(first.UnixNano())
	}
}
