package search

import (
	"context"
	"sync"
	"testing"
	"time"
)

// recorder is an Observer that keeps what it is told.
type recorder struct {
	mu           sync.Mutex
	runs         map[string]int
	hits, misses int
}

func (r *recorder) SearchRan(engine string, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if d <= 0 {
		engine += " (no time)"
	}
	r.runs[engine]++
}

func (r *recorder) SearchCached(hit bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if hit {
		r.hits++
	} else {
		r.misses++
	}
}

// TestObserverAndIndexStatus: the SQL engine and the in-memory index each
// report their runs, a repeated search is a cache hit, and the index
// status counts the public documents, one withheld less.
func TestObserverAndIndexStatus(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.add(doc{Title: "沂源县最低生活保障审核确认办法", Agency: "mzj", Body: "低保申请人应当向户籍所在地乡镇人民政府提出申请。"})
	second := f.add(doc{Title: "住房公积金提取管理办法", Agency: "gjj", Body: "职工提取住房公积金应当提交申请。"})
	rec := &recorder{runs: map[string]int{}}
	s := newStore(f.db, Options{Observer: rec})
	for range 2 {
		if _, err := s.Search(ctx, Request{Q: "低保"}); err != nil {
			t.Fatal(err)
		}
	}
	if rec.runs[EngineSQL] != 1 || rec.hits != 1 || rec.misses != 1 {
		t.Fatalf("SQL store: runs %v, %d hits, %d misses; want one SQL run, one miss, one hit", rec.runs, rec.hits, rec.misses)
	}
	if st := s.IndexStatus(); st.Enabled || st.Loaded {
		t.Errorf("store without index: %+v", st)
	}

	m := newStore(f.db, Options{NotifyURL: f.url, CacheTTL: -1, Observer: rec})
	if st := m.IndexStatus(); !st.Enabled || st.Loaded {
		t.Errorf("before StartIndex: %+v, want enabled, not loaded", st)
	}
	ictx, cancel := context.WithCancel(ctx)
	defer cancel()
	m.StartIndex(ictx)
	must(t, m.SyncIndex(ctx))
	if st := m.IndexStatus(); !st.Loaded || st.Documents != 2 || st.Behind != 0 {
		t.Fatalf("loaded index: %+v, want 2 documents, current", st)
	}
	if _, err := m.Search(ctx, Request{Q: "公积金"}); err != nil {
		t.Fatal(err)
	}
	if rec.runs[EngineMemory] != 1 {
		t.Errorf("in-memory runs %v, want one", rec.runs)
	}
	withhold(t, f, nil, second)
	must(t, m.SyncIndex(ctx))
	if st := m.IndexStatus(); st.Documents != 1 {
		t.Errorf("after withholding one: %+v, want 1 document", st)
	}
}
