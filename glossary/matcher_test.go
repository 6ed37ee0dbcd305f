package glossary_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"partybot/glossary"
)

func TestMatcherAll(t *testing.T) {
	m := glossary.NewMatcher([]string{"驿站", "暖新驿站", "", "站", "驿站"})
	tests := []struct {
		text string
		want []glossary.Match
	}{
		{"", nil},
		{"无关", nil},
		{"暖新驿站", []glossary.Match{{1, 0, 4}, {0, 2, 4}, {4, 2, 4}, {3, 3, 4}}},
		{"驿站驿", []glossary.Match{{0, 0, 2}, {4, 0, 2}, {3, 1, 2}}},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			assert.Equal(t, tc.want, slices.Collect(m.All([]rune(tc.text))))
		})
	}
	var first []glossary.Match
	for x := range m.All([]rune("暖新驿站")) {
		first = append(first, x)
		break
	}
	assert.Equal(t, []glossary.Match{{1, 0, 4}}, first, "stops when the loop does")
	var none *glossary.Matcher
	assert.Empty(t, slices.Collect(none.All([]rune("驿站"))))
}

// benchTexts are a question and a demand as the assistant and the router
// get them.
var benchTexts = []struct{ name, text string }{
	{"question", "快递小哥在暖“新”驿站歇脚时反映孩子暑假没人看，想咨询托管班和法律援助"},
	{"demand", "我住在阳光小区3号楼，楼道里好多电动车推进来充电，物业也不管，太危险了，希望社区和物业公司尽快整治这个安全隐患"},
}

// BenchmarkFind measures finding the shipped glossary's groups in a text,
// normalisation included.
func BenchmarkFind(b *testing.B) {
	g := mustShipped(b)
	for _, tc := range benchTexts {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				if len(g.Find(tc.text)) == 0 {
					b.Fatal("no match")
				}
			}
		})
	}
}

// BenchmarkFindContains is what the glossary's three copies did, for
// comparison: normalise, then look for every expression with
// strings.Contains.
func BenchmarkFindContains(b *testing.B) {
	g := mustShipped(b)
	for _, tc := range benchTexts {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				nt := glossary.Normalize(tc.text)
				var found []int
				for i := range g.Len() {
					if slices.ContainsFunc(g.Expressions(i), func(e string) bool { return strings.Contains(nt, e) }) {
						found = append(found, i)
					}
				}
				if len(found) == 0 {
					b.Fatal("no match")
				}
			}
		})
	}
}

// FuzzFind checks Find against the obvious: a group is found exactly when
// one of its expressions is a substring of the normalised text.
func FuzzFind(f *testing.F) {
	for _, tc := range benchTexts {
		f.Add(tc.text)
	}
	f.Add("双向进入交叉任职，暖 “新” 驿站")
	g := mustShipped(f)
	f.Fuzz(func(t *testing.T, text string) {
		nt := glossary.Normalize(text)
		var want []glossary.Found
		for i := range g.Len() {
			var exprs []string
			for _, e := range g.Expressions(i) {
				if strings.Contains(nt, e) {
					exprs = append(exprs, e)
				}
			}
			if exprs != nil {
				want = append(want, glossary.Found{Group: i, Exprs: exprs})
			}
		}
		assert.Equal(t, want, g.Find(text))
	})
}
