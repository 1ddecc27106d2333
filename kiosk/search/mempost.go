package search

import (
	"encoding/binary"
	"slices"
	"sort"
	"strings"
)

// postingBuilder collects the documents of each lexeme while an index is
// built; seal packs them into postings and drops the builder.
type postingBuilder map[string]*[]uint32

func (m postingBuilder) add(l string, n uint32) {
	p, ok := m[l]
	if !ok {
		p = new([]uint32)
		m[strings.Clone(l)] = p
	}
	*p = append(*p, n)
}

// postings are sealed lexemes with their documents, without a pointer per
// lexeme for the garbage collector to follow: the sorted lexemes packed in
// one string, and each one's documents as a bitmap when they are many (more
// than one document in 32), else as a count and the gaps between ascending
// document numbers, varint-encoded, in one byte slice. On 100 000 documents
// most lists have gaps below 128, one byte a document instead of four.
type postings struct {
	keys packedKeys // docs[i] is ref i: bitsRef|bitmap index, or offset into data
	data []byte
	bits []bitmap
}

const bitsRef = 1 << 31

// seal packs the builder's lists over an index of n documents.
func (m postingBuilder) seal(n int) postings {
	keys := make([]string, 0, len(m))
	size := 0
	for k, p := range m {
		keys = append(keys, k)
		size += len(k)
		if len(*p)*32 <= n {
			size += len(*p) + 2
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	b.Grow(size)
	out := postings{keys: packedKeys{ends: make([]uint32, len(keys)), docs: make([]uint32, len(keys))},
		data: make([]byte, 0, size)}
	for i, k := range keys {
		list := *m[k]
		delete(m, k)
		b.WriteString(k)
		out.keys.ends[i] = uint32(b.Len())
		if len(list)*32 > n {
			bm := newBitmap(n)
			for _, d := range list {
				bm.set(d)
			}
			out.keys.docs[i] = bitsRef | uint32(len(out.bits))
			out.bits = append(out.bits, bm)
			continue
		}
		slices.Sort(list)
		out.keys.docs[i] = uint32(len(out.data))
		out.data = binary.AppendUvarint(out.data, uint64(len(list)))
		prev := uint32(0)
		for _, d := range list {
			out.data = binary.AppendUvarint(out.data, uint64(d-prev))
			prev = d
		}
	}
	out.keys.blob = b.String()
	out.data = slices.Clip(out.data)
	return out
}

// find returns the position of lexeme l, or -1.
func (p *postings) find(l string) int {
	if i := p.keys.search(l); i < p.keys.len() && p.keys.key(i) == l {
		return i
	}
	return -1
}

// prefix returns the positions [lo, hi) of the lexemes that start with l.
func (p *postings) prefix(l string) (int, int) {
	lo := p.keys.search(l)
	hi := lo
	for hi < p.keys.len() && strings.HasPrefix(p.keys.key(hi), l) {
		hi++
	}
	return lo, hi
}

// addTo sets the documents of the lexeme at position i in b.
func (p *postings) addTo(i int, b bitmap) {
	ref := p.keys.docs[i]
	if ref&bitsRef != 0 {
		b.or(p.bits[ref&^bitsRef])
		return
	}
	data := p.data[ref:]
	count, k := binary.Uvarint(data)
	data = data[k:]
	d := uint32(0)
	for range count {
		var gap uint64
		if data[0] < 0x80 {
			gap, data = uint64(data[0]), data[1:]
		} else {
			gap, k = binary.Uvarint(data)
			data = data[k:]
		}
		d += uint32(gap)
		b[d/64] |= 1 << (d % 64)
	}
}

// lookup sets the documents of lexeme l in b, if it has any.
func (p *postings) lookup(l string, b bitmap) {
	if i := p.find(l); i >= 0 {
		p.addTo(i, b)
	}
}
