package retrieval

import "strings"

// Citation names the passage for a citation: its article's title (or its
// document's name) and where the article came from, e.g.
// "贵州德江：凝“新”聚力共绘治理“新”图景（转自…）".
func (h Passage) Citation() string {
	s := h.Title
	if s == "" {
		s = h.Doc
	}
	if h.Source != "" {
		s += "（" + strings.Trim(h.Source, "()（）") + "）"
	}
	return s
}

// Sentences splits text into sentences after 。！？；!? (keeping a closing
// quote or bracket with its sentence) and at line breaks, trimmed, empty
// ones dropped.
func Sentences(text string) []string {
	var out []string
	rs := []rune(text)
	start := 0
	emit := func(end int) {
		if s := strings.TrimSpace(string(rs[start:end])); s != "" {
			out = append(out, s)
		}
		start = end
	}
	for i := 0; i < len(rs); i++ {
		switch rs[i] {
		case '。', '！', '？', '；', '!', '?':
			j := i + 1
			for j < len(rs) && strings.ContainsRune("”’」』）)》】", rs[j]) {
				j++
			}
			emit(j)
			i = j - 1
		case '\n':
			emit(i + 1)
		}
	}
	emit(len(rs))
	return out
}

// SaysNearly reports whether sentences a and b say nearly the same: one
// holds the other, or their character bigrams overlap by more than 60%.
// An empty sentence says nothing.
func SaysNearly(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	return strings.Contains(a, b) || strings.Contains(b, a) || bigramJaccard(a, b) > 0.6
}

// bigramJaccard is the Jaccard similarity of the character bigrams of a
// and b.
func bigramJaccard(a, b string) float64 {
	set := func(s string) map[string]bool {
		m := map[string]bool{}
		rs := []rune(s)
		for i := 0; i+1 < len(rs); i++ {
			m[string(rs[i:i+2])] = true
		}
		return m
	}
	x, y := set(a), set(b)
	if len(x) == 0 || len(y) == 0 {
		return 0
	}
	inter := 0
	for k := range x {
		if y[k] {
			inter++
		}
	}
	return float64(inter) / float64(len(x)+len(y)-inter)
}
