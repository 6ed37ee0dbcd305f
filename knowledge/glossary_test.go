package knowledge_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"partybot/knowledge"
)

func mustParseGlossary(tb testing.TB, data string) *knowledge.Glossary {
	tb.Helper()
	g, err := knowledge.ParseGlossary([]byte(data))
	if err != nil {
		tb.Fatal(err)
	}
	return g
}

func TestDefaultGlossary(t *testing.T) {
	g, err := knowledge.DefaultGlossary()
	if err != nil {
		t.Fatal(err)
	}
	groups := g.Groups()
	index := map[string]int{}
	for i, grp := range groups {
		index[grp[0]] = i
	}
	tests := []struct {
		text string
		want []string // terms of groups that must match
	}{
		{"怎样落实'六同步'机制？", []string{"六同步"}},
		{"快递小哥歇脚的地方在哪", []string{"新就业群体", "休息"}},
		{"暖新驿站的饮水机坏了", []string{"暖“新”驿站", "休息"}},
		{"暖\"新\"驿站", []string{"暖“新”驿站"}},
		{"暖 “新” 驿站", []string{"暖“新”驿站"}},
		{"孩子暑假托管", []string{"子女", "暑期托管"}},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			got := map[int]bool{}
			for _, i := range g.Matches(tc.text) {
				got[i] = true
			}
			for _, term := range tc.want {
				i, ok := index[term]
				if !ok {
					t.Fatalf("glossary has no group %q", term)
				}
				if !got[i] {
					t.Errorf("Matches(%q) lacks group %q", tc.text, term)
				}
			}
		})
	}
	if got := g.Matches("今天天气很好"); len(got) != 0 {
		t.Errorf("Matches of unrelated text = %v, want none", got)
	}
}

func TestGlossary(t *testing.T) {
	g := mustParseGlossary(t, `
# comment
- term: 暖“新”驿站
  variants: [暖新驿站, 暖"新"驿站, 驿站, 歇脚点]
- variants: [ＡＩ助理]
  term: 智能助手
- term: 子女
`)
	wantGroups := [][]string{{"暖“新”驿站", "驿站", "歇脚点"}, {"智能助手", "ＡＩ助理"}, {"子女"}}
	if got := g.Groups(); !reflect.DeepEqual(got, wantGroups) {
		t.Errorf("Groups() = %q, want %q", got, wantGroups)
	}
	g.Groups()[0][0] = "changed"
	if got := g.Groups()[0][0]; got != "暖“新”驿站" {
		t.Errorf("Groups() exposes internal state: term became %q", got)
	}
	tests := []struct {
		text string
		want []int
	}{
		{"", nil},
		{"附近有没有歇脚点", []int{0}},
		{"ai助理 和 子女", []int{1, 2}},
		{"暖‘新’驿站", []int{0}},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			if got := g.Matches(tc.text); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Matches(%q) = %v, want %v", tc.text, got, tc.want)
			}
		})
	}
}

func TestParseGlossaryErrors(t *testing.T) {
	tests := []struct {
		name string
		data string
		msg  []string // parts of the message
	}{
		{"empty", "", []string{"词汇表是空的"}},
		{"empty list", "[]", []string{"词汇表是空的"}},
		{"not YAML", "- term: [a\n", []string{"不是有效的 YAML", "第 "}},
		{"not a list", "term: 六同步\n", []string{"第 1 行", "应当是一个列表"}},
		{"group not a mapping", "- 六同步\n", []string{"第 1 行", "第 1 组应当写成"}},
		{"missing term", "- term: 甲\n- variants: [乙]\n", []string{"第 2 行", "第 2 组缺少 term"}},
		{"unknown field", "- term: 甲\n  varients: [乙]\n", []string{"第 2 行", "未知字段“varients”"}},
		{"variants not a list", "- term: 甲\n  variants: 乙\n", []string{"第 2 行", "variants 应当是列表"}},
		{"empty expression", "- term: 甲\n  variants: [乙, \"“”\"]\n", []string{"第 2 行", "空的说法"}},
		{"null term", "- term:\n  variants: [乙]\n", []string{"term 应当是一个词语"}},
		{"duplicate term", "- term: 暖“新”驿站\n- term: 暖新驿站\n", []string{"第 2 行", "与第 1 行的一组重复"}},
		{"all problems listed", "- term: 甲\n  x: 1\n- variants: [乙]\n", []string{"2 处错误", "未知字段“x”", "第 2 组缺少 term"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := knowledge.ParseGlossary([]byte(tc.data))
			if !errors.Is(err, knowledge.ErrGlossary) {
				t.Fatalf("error = %v, want ErrGlossary", err)
			}
			for _, m := range tc.msg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not say %q", err, m)
				}
			}
		})
	}
}

func FuzzParseGlossary(f *testing.F) {
	f.Add([]byte("- term: 暖“新”驿站\n  variants: [暖新驿站, 驿站]\n"))
	f.Add([]byte("- &a term: x\n  variants: [*a, ~]\n"))
	f.Add([]byte("- {term: 甲, variants: [乙, 丙]}\n- term: 丁"))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := knowledge.ParseGlossary(data)
		if err != nil {
			if !errors.Is(err, knowledge.ErrGlossary) {
				t.Fatalf("error %v does not wrap ErrGlossary", err)
			}
			return
		}
		groups := g.Groups()
		if len(groups) == 0 {
			t.Fatal("valid glossary without groups")
		}
		for i, grp := range groups {
			// Every expression matches its own group.
			for _, e := range grp {
				found := false
				for _, m := range g.Matches(e) {
					found = found || m == i
				}
				if !found {
					t.Fatalf("expression %q does not match its group %d", e, i)
				}
			}
		}
	})
}

func BenchmarkGlossaryMatches(b *testing.B) {
	g, err := knowledge.DefaultGlossary()
	if err != nil {
		b.Fatal(err)
	}
	q := "快递小哥在暖“新”驿站歇脚时反映孩子暑假没人看，想咨询托管班和法律援助"
	for b.Loop() {
		if len(g.Matches(q)) == 0 {
			b.Fatal("no match")
		}
	}
}
