// Package retrievaltest makes synthetic Chinese passages and documents for
// the benchmarks of retrieval and of the knowledge base: phrases of the
// shipped bulletin drawn Zipf-distributed, so that gram statistics resemble
// real policy text. It is deterministic.
package retrievaltest

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"strings"

	"partybot/corpus"
	"partybot/retrieval"
)

// phrases are the 4-rune pieces of the shipped bulletin.
func phrases() ([]string, error) {
	data, err := fs.ReadFile(corpus.FS, "docs/000_cd24362e620a5886.txt")
	if err != nil {
		return nil, fmt.Errorf("read shipped bulletin: %w", err)
	}
	var out []string
	for _, f := range strings.FieldsFunc(string(data), func(r rune) bool { return strings.ContainsRune("，。、；：“”（）\n ", r) }) {
		if rs := []rune(f); len(rs) >= 2 {
			for i := 0; i < len(rs); i += 4 {
				out = append(out, string(rs[i:min(i+4, len(rs))]))
			}
		}
	}
	return out, nil
}

// Generator draws passages; the n-th passage drawn is the same on every
// run.
type Generator struct {
	phrases []string
	rng     *rand.Rand
	zipf    *rand.Zipf
	n       int
}

// NewGenerator returns a generator seeded as every run seeds it.
func NewGenerator() (*Generator, error) {
	ps, err := phrases()
	if err != nil {
		return nil, err
	}
	return &Generator{
		phrases: ps,
		rng:     rand.New(rand.NewPCG(1, 2)),
		zipf:    rand.NewZipf(rand.New(rand.NewPCG(3, 4)), 1.1, 2, uint64(len(ps)-1)),
	}, nil
}

// Text returns about runes Han runes of phrases, with commas, ending in "。".
func (g *Generator) Text(runes int) string {
	var b strings.Builder
	for b.Len() < 3*runes {
		b.WriteString(g.phrases[g.zipf.Uint64()])
		if g.rng.IntN(6) == 0 {
			b.WriteString("，")
		}
	}
	b.WriteString("。")
	return b.String()
}

// Title returns a short phrase.
func (g *Generator) Title() string { return g.phrases[g.rng.IntN(len(g.phrases))] }

// Passage returns the next passage: about 150 runes under a short title.
func (g *Generator) Passage() retrieval.Passage {
	text := g.Text(150)
	p := retrieval.Passage{ID: fmt.Sprint(g.n), Title: g.Title(), Text: text}
	g.n++
	return p
}

// Passages returns the first n passages.
func Passages(n int) ([]retrieval.Passage, error) {
	g, err := NewGenerator()
	if err != nil {
		return nil, err
	}
	ps := make([]retrieval.Passage, n)
	for i := range ps {
		ps[i] = g.Passage()
	}
	return ps, nil
}

// PassagesPerDocument is how many passages a document of [Document] makes
// at the default chunk size: 22, as in the 4,000 documents of
// 88,000 passages.
const PassagesPerDocument = 22

// Document returns the i-th synthetic document as Markdown: a heading and
// PassagesPerDocument paragraphs of about 140 runes, each one passage at
// the default chunk size. It draws from g.
func (g *Generator) Document(i int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# 第%d号文件：%s\n\n", i, g.Title())
	for range PassagesPerDocument {
		b.WriteString(g.Text(135))
		b.WriteString("\n\n")
	}
	return b.String()
}
