package retrieval

import "runtime"

// DocumentInfo is a document of an index as a listing shows it: the
// document without its text, and how many passages it was cut into.
type DocumentInfo struct {
	Document
	Passages int
}

// DocumentInfos returns the live documents of the index in the order they
// were added, without their text, each with its number of passages.
func (h *Hybrid) DocumentInfos() []DocumentInfo {
	defer runtime.KeepAlive(h)
	gone := make(map[DocRef]bool, len(h.removed))
	for _, r := range h.removed {
		gone[r] = true
	}
	var out []DocumentInfo
	for si, s := range h.segs {
		for di, d := range s.docs {
			if !gone[DocRef{si, di}] {
				out = append(out, DocumentInfo{Document: d.Document, Passages: d.count})
			}
		}
	}
	return out
}

// DocumentText returns the text of the live document named name, and
// whether the index holds it.
func (h *Hybrid) DocumentText(name string) (string, bool) {
	defer runtime.KeepAlive(h)
	gone := make(map[DocRef]bool, len(h.removed))
	for _, r := range h.removed {
		gone[r] = true
	}
	for si := len(h.segs) - 1; si >= 0; si-- {
		s := h.segs[si]
		for di, d := range s.docs {
			if d.Name == name && !gone[DocRef{si, di}] {
				return s.docString(di, 3), true
			}
		}
	}
	return "", false
}
