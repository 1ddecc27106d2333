package search

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestPostings checks the packed postings against the lists they were built
// from: lookups and prefixes, lists and bitmaps.
func TestPostings(t *testing.T) {
	const n = 3000
	r := rand.New(rand.NewPCG(1, 1))
	b := postingBuilder{}
	want := map[string][]uint32{}
	for k := range 60 {
		l := fmt.Sprintf("w%02d", k)
		every := 1 + k*k // dense ones become bitmaps, sparse ones lists
		for d := uint32(r.IntN(every)); d < n; d += uint32(1 + r.IntN(2*every)) {
			want[l] = append(want[l], d)
		}
		docs := slices.Clone(want[l])
		r.Shuffle(len(docs), func(i, j int) { docs[i], docs[j] = docs[j], docs[i] }) // documents come in any order
		for _, d := range docs {
			b.add(l, d)
		}
	}
	p := b.seal(n)
	if len(p.bits) == 0 || len(p.data) == 0 {
		t.Fatalf("want both bitmaps and lists: %d bitmaps, %d bytes of lists", len(p.bits), len(p.data))
	}
	members := func(bm bitmap) []uint32 {
		var out []uint32
		bm.each(func(i uint32) bool { out = append(out, i); return true })
		return out
	}
	for l, docs := range want {
		got := newBitmap(n)
		p.lookup(l, got)
		if !slices.Equal(members(got), docs) {
			t.Errorf("%s: got %v, want %v", l, members(got), docs)
		}
	}
	if lo, hi := p.prefix("w1"); hi-lo != 10 || p.keys.key(lo) != "w10" {
		t.Errorf("prefix w1: [%d, %d)", lo, hi)
	}
	if p.find("w") != -1 || p.find("w60") != -1 {
		t.Error("found a lexeme that is not there")
	}
}
