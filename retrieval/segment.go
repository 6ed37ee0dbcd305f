package retrieval

import (
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"sync"
	"unsafe"
)

// A segment is an immutable, self-contained part of an index: passages,
// the documents they come from, the lexical postings and statistics, and
// the vectors grouped by partition. It is laid out so that it is used in
// place, memory-mapped, without decoding: every array is little-endian and
// 8-byte aligned, and the search reads it through slices over the file's
// bytes. Building an index writes one segment; an incremental change
// writes a small one more (see [Hybrid.Update]).
//
// Layout: a header of segHeaderWords 64-bit words (magic, counts, a table
// of section offsets and lengths, and a CRC-32C of the header and of the
// small sections), then the sections in the order of the sec constants.
// The large sections (texts, postings, vectors) are not checksummed, as
// that would read the whole file at every open; they are checked where
// they are used (string offsets at open, posting ids when read).
const (
	segMagic       = "PBSEG\x00\x00\x02"
	segHeaderWords = 16 + 2*numSections
)

// Section numbers, in file order.
const (
	secPassOffs  = iota // uint64 × (passageFields·n + 1): ends of the passage strings
	secPassBlob         // the passage strings
	secDocRanges        // uint32 × 3·d: first passage, passages, flags
	secDocOffs          // uint64 × (docFields·d + 1)
	secDocBlob          // the document strings
	secLengths          // float32 × n: BM25 length of each passage
	secGramKeys         // uint64 × g: the grams, ascending
	secGramOffs         // uint32 × (g + 1): each gram's postings
	secPostings         // posting × p
	secCentroids        // float32 × c·dim: the partitions' unit centroids (a base segment only)
	secPartStart        // uint32 × (parts + 1): each partition's rows
	secMembers          // uint32 × rows: the passage of each vector row
	secVectors          // float32 × rows·dim, grouped by partition
	numSections
)

// checked are the sections covered by the header's checksum.
var checked = []int{secPassOffs, secDocRanges, secDocOffs, secLengths, secGramKeys, secGramOffs, secCentroids, secPartStart, secMembers}

// Header words before the section table.
const (
	hMagic = iota
	hPassages
	hDocs
	hDim
	hGrams
	hPostings
	hParts
	hCentroids
	hRows
	hSumLen // float64 bits
	hSize   // the file's length
	hCRC    // CRC-32C of the header (with this word zero) and the checked sections
)

const (
	passageFields = 5 // ID, Title, Source, Text, Doc
	docFields     = 4 // Name, Title, Hash, Text
	docShipped    = 1 // flag of a shipped document
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errDamaged wraps every inconsistency found in a segment or manifest.
var errDamaged = errors.New("damaged")

func damaged(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errDamaged, fmt.Sprintf(format, args...))
}

// segment is an opened segment: views over its bytes, which are mapped
// from its file or held in memory.
type segment struct {
	data  []byte
	file  string // base name of its file; "" until saved
	n     int    // passages
	dim   int
	parts int

	passOffs  []uint64
	passBlob  []byte
	docs      []docMeta
	docOffs   []uint64
	docBlob   []byte
	lengths   []float32
	sumLen    float64
	gramKeys  []uint64
	gramOffs  []uint32
	postings  []posting
	centroids []float32
	partStart []uint32
	members   []uint32
	vectors   []float32

	// The chromem-go collections of the partitions, built on first probe.
	colsOnce sync.Once
	cols     []partitionCollection
}

// docMeta is a document of a segment, its text left in the file.
type docMeta struct {
	Document
	first, count int // its passages, local to the segment
}

// view returns the bytes of section s as a slice of T. The bytes are
// 8-byte aligned and the host little-endian (checked in openSegment).
func view[T any](b []byte) []T {
	var zero T
	size := int(unsafe.Sizeof(zero))
	if len(b) < size {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), len(b)/size)
}

// bytesOf returns the memory of s as bytes, to write it.
func bytesOf[T any](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	var zero T
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(zero)))
}

// littleEndian reports whether the host stores integers little-endian, as
// segments do; on a big-endian host segments are refused and rebuilt in
// memory.
var littleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

// openSegment checks data, the bytes of a whole segment, and returns the
// segment using them in place. Returns an error wrapping errDamaged when
// they are not a sound segment.
func openSegment(data []byte, file string) (*segment, error) {
	if !littleEndian {
		return nil, errors.New("segments need a little-endian host")
	}
	if len(data) < 8*segHeaderWords || string(data[:8]) != segMagic {
		return nil, damaged("segment %s: not a segment of this version", file)
	}
	if uintptr(unsafe.Pointer(&data[0]))%8 != 0 {
		return nil, errors.New("segment bytes not aligned")
	}
	h := view[uint64](data[:8*segHeaderWords])
	if h[hSize] != uint64(len(data)) {
		return nil, damaged("segment %s: %d bytes, want %d", file, len(data), h[hSize])
	}
	sec := make([][]byte, numSections)
	for i := range numSections {
		off, n := h[16+2*i], h[16+2*i+1]
		if off%8 != 0 || off < 8*segHeaderWords || off > uint64(len(data)) || n > uint64(len(data))-off {
			return nil, damaged("segment %s: section %d out of bounds", file, i)
		}
		sec[i] = data[off : off+n]
	}
	crc := crc32.Update(0, castagnoli, data[:8*hCRC])
	crc = crc32.Update(crc, castagnoli, data[8*(hCRC+1):8*segHeaderWords])
	for _, i := range checked {
		crc = crc32.Update(crc, castagnoli, sec[i])
	}
	if uint64(crc) != h[hCRC] {
		return nil, damaged("segment %s: checksum", file)
	}
	s := &segment{
		data: data, file: file,
		n: int(h[hPassages]), dim: int(h[hDim]), parts: int(h[hParts]),
		sumLen:    math.Float64frombits(h[hSumLen]),
		passOffs:  view[uint64](sec[secPassOffs]),
		passBlob:  sec[secPassBlob],
		docOffs:   view[uint64](sec[secDocOffs]),
		docBlob:   sec[secDocBlob],
		lengths:   view[float32](sec[secLengths]),
		gramKeys:  view[uint64](sec[secGramKeys]),
		gramOffs:  view[uint32](sec[secGramOffs]),
		postings:  view[posting](sec[secPostings]),
		centroids: view[float32](sec[secCentroids]),
		partStart: view[uint32](sec[secPartStart]),
		members:   view[uint32](sec[secMembers]),
		vectors:   view[float32](sec[secVectors]),
	}
	if err := s.check(h, view[uint32](sec[secDocRanges])); err != nil {
		return nil, fmt.Errorf("segment %s: %w", file, err)
	}
	return s, nil
}

// check verifies the counts and offsets of a segment whose checksum held,
// and reads its document table.
func (s *segment) check(h []uint64, ranges []uint32) error {
	d, rows := int(h[hDocs]), int(h[hRows])
	switch {
	case len(s.passOffs) != passageFields*s.n+1 || len(s.lengths) != s.n:
		return damaged("passage tables")
	case len(s.docOffs) != docFields*d+1 || len(ranges) != 3*d:
		return damaged("document tables")
	case len(s.gramKeys) != int(h[hGrams]) || len(s.gramOffs) != len(s.gramKeys)+1 || len(s.postings) != int(h[hPostings]):
		return damaged("postings tables")
	case s.parts < 1 || len(s.partStart) != s.parts+1 || len(s.members) != rows || len(s.vectors) != rows*s.dim:
		return damaged("vector tables")
	case len(s.centroids) != int(h[hCentroids])*s.dim || (len(s.centroids) > 0 && int(h[hCentroids]) != s.parts):
		return damaged("centroids")
	}
	if !ascending(s.passOffs, uint64(len(s.passBlob))) || !ascending(s.docOffs, uint64(len(s.docBlob))) ||
		!ascending(s.gramOffs, uint32(len(s.postings))) || !ascending(s.partStart, uint32(rows)) {
		return damaged("offsets")
	}
	for _, m := range s.members {
		if int(m) >= s.n {
			return damaged("vector rows")
		}
	}
	s.docs = make([]docMeta, d)
	next := 0
	for i := range s.docs {
		first, count, flags := int(ranges[3*i]), int(ranges[3*i+1]), ranges[3*i+2]
		if first != next || first+count > s.n {
			return damaged("document ranges")
		}
		next = first + count
		s.docs[i] = docMeta{Document: Document{
			Name: s.docString(i, 0), Title: s.docString(i, 1), Hash: s.docString(i, 2), Shipped: flags&docShipped != 0,
		}, first: first, count: count}
	}
	return nil
}

// ascending reports whether offs starts at 0, never decreases and ends at end.
func ascending[T uint32 | uint64](offs []T, end T) bool {
	if len(offs) == 0 || offs[0] != 0 || offs[len(offs)-1] != end {
		return false
	}
	for i := 1; i < len(offs); i++ {
		if offs[i] < offs[i-1] {
			return false
		}
	}
	return true
}

// passage returns local passage i, its strings copied out of the segment.
func (s *segment) passage(i int) Passage {
	f := func(k int) string {
		j := passageFields*i + k
		return string(s.passBlob[s.passOffs[j]:s.passOffs[j+1]])
	}
	return Passage{ID: f(0), Title: f(1), Source: f(2), Text: f(3), Doc: f(4)}
}

// docString returns field k of local document i.
func (s *segment) docString(i, k int) string {
	j := docFields*i + k
	return string(s.docBlob[s.docOffs[j]:s.docOffs[j+1]])
}

// gramPostings returns the postings of gram g, in passage order.
func (s *segment) gramPostings(g gram) []posting {
	keys := s.gramKeys
	lo, hi := 0, len(keys)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if keys[m] < uint64(g) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo == len(keys) || keys[lo] != uint64(g) {
		return nil
	}
	return s.postings[s.gramOffs[lo]:s.gramOffs[lo+1]]
}

// vectorsByPassage returns each local passage's vector, copied; a passage
// without a row (a zero vector) gets a zero vector of dim.
func (s *segment) vectorsByPassage(dim int) [][]float32 {
	out := make([][]float32, s.n)
	for r, p := range s.members {
		out[p] = append([]float32(nil), s.vectors[r*s.dim:(r+1)*s.dim]...)
	}
	for i, v := range out {
		if v == nil {
			out[i] = make([]float32, dim)
		}
	}
	return out
}

// segmentWriter lays out the sections of a segment being built.
type segmentWriter struct {
	header   [segHeaderWords]uint64
	sections [numSections][][]byte // each section as the chunks it is written from
}

// add appends chunk to section i.
func (w *segmentWriter) add(i int, chunk []byte) {
	if len(chunk) > 0 {
		w.sections[i] = append(w.sections[i], chunk)
	}
}

// layout fills in the section table, size and checksum of the header.
func (w *segmentWriter) layout() {
	off := uint64(8 * segHeaderWords)
	for i, chunks := range w.sections {
		var n uint64
		for _, c := range chunks {
			n += uint64(len(c))
		}
		w.header[16+2*i], w.header[16+2*i+1] = off, n
		off += (n + 7) &^ 7
	}
	w.header[hSize] = off
	w.header[hCRC] = 0
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&w.header[hMagic])), 8), segMagic)
	hb := bytesOf(w.header[:])
	crc := crc32.Update(0, castagnoli, hb[:8*hCRC])
	crc = crc32.Update(crc, castagnoli, hb[8*(hCRC+1):])
	for _, i := range checked {
		for _, c := range w.sections[i] {
			crc = crc32.Update(crc, castagnoli, c)
		}
	}
	w.header[hCRC] = uint64(crc)
}

// size is the length of the segment; valid after layout.
func (w *segmentWriter) size() int { return int(w.header[hSize]) }

// writeTo writes the laid-out segment to out.
func (w *segmentWriter) writeTo(out io.Writer) error {
	if _, err := out.Write(bytesOf(w.header[:])); err != nil {
		return err
	}
	var pad [8]byte
	for _, chunks := range w.sections {
		n := 0
		for _, c := range chunks {
			if _, err := out.Write(c); err != nil {
				return err
			}
			n += len(c)
		}
		if r := n % 8; r != 0 {
			if _, err := out.Write(pad[:8-r]); err != nil {
				return err
			}
		}
	}
	return nil
}

// bytes returns the laid-out segment in memory, 8-byte aligned.
func (w *segmentWriter) bytes() []byte {
	buf := make([]uint64, (w.size()+7)/8)
	b := bytesOf(buf)[:w.size()]
	bw := sliceWriter{b: b}
	w.writeTo(&bw) // cannot fail: b holds exactly the segment
	return b
}

// sliceWriter writes into a byte slice of the right size.
type sliceWriter struct {
	b []byte
	n int
}

func (w *sliceWriter) Write(p []byte) (int, error) {
	n := copy(w.b[w.n:], p)
	w.n += n
	if n < len(p) {
		return n, io.ErrShortWrite
	}
	return n, nil
}

// stringTable is strings laid out as ends (offsets) and one blob.
type stringTable struct {
	offs []uint64
	blob []byte
}

func newStringTable(n, size int) *stringTable {
	t := &stringTable{offs: make([]uint64, 1, n+1), blob: make([]byte, 0, size)}
	return t
}

func (t *stringTable) add(s string) {
	t.blob = append(t.blob, s...)
	t.offs = append(t.offs, uint64(len(t.blob)))
}
