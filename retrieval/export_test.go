package retrieval

// Segments returns the number of segments of h and of documents removed
// from them, for tests of compaction.
func (h *Hybrid) Segments() (segments, removed int) { return len(h.segs), len(h.removed) }

// OpenIndexRead is OpenIndex reading the segments into memory instead of
// mapping them: the fallback where mapping is unavailable.
func OpenIndexRead(path string, emb Embedder, exp *Expander) (*Hybrid, error) {
	return openIndex(path, emb, exp, false)
}

// Compaction settings, for tests.
const (
	MaxDeltas    = maxDeltas
	CompactRatio = compactRatio
)
