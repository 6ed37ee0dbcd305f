package glossary_test

import (
	"errors"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/corpus"
	"partybot/glossary"
	"partybot/strictyaml"
)

func mustParse(tb testing.TB, data string) *glossary.Glossary {
	tb.Helper()
	g, err := glossary.Parse("test.yaml", []byte(data))
	require.NoError(tb, err)
	return g
}

func mustShipped(tb testing.TB) *glossary.Glossary {
	tb.Helper()
	g, err := glossary.Load(corpus.FS, corpus.GlossaryFile)
	require.NoError(tb, err)
	return g
}

// groupsOf returns the groups of found.
func groupsOf(found []glossary.Found) []int {
	var out []int
	for _, f := range found {
		out = append(out, f.Group)
	}
	return out
}

func TestShipped(t *testing.T) {
	g := mustShipped(t)
	index := map[string]int{}
	for i, grp := range g.Groups() {
		index[grp.Term] = i
	}
	tests := []struct {
		text string
		want []string // terms of groups that must be found
	}{
		{"怎样落实'六同步'机制？", []string{"六同步"}},
		{"快递小哥歇脚的地方在哪", []string{"新就业群体", "休息"}},
		{"暖新驿站的饮水机坏了", []string{"暖“新”驿站", "饮水"}},
		{"跑累了想喝口水、充充电", []string{"饮水", "充电"}},
		{"暖\"新\"驿站", []string{"暖“新”驿站"}},
		{"暖 “新” 驿站", []string{"暖“新”驿站"}},
		{"暖\u200b新驿站", []string{"暖“新”驿站"}},
		{"孩子暑假托管", []string{"子女", "暑期托管"}},
		{"如何落实“双向进入、交叉任职”？", []string{"双向进入、交叉任职"}},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			got := groupsOf(g.Find(tc.text))
			for _, term := range tc.want {
				i, ok := index[term]
				require.True(t, ok, "glossary has no group %q", term)
				assert.Contains(t, got, i, "Find(%q) lacks group %q", tc.text, term)
			}
		})
	}
	assert.Empty(t, g.Find("今天天气很好"))
}

func TestFind(t *testing.T) {
	g := mustParse(t, `
# comment
- term: 暖“新”驿站
  variants: [暖新驿站, 暖"新"驿站, 驿站, 歇脚点]
- variants: [ＡＩ助理]
  term: 智能助手
- term: 子女
- term: 新经济组织
  variants: [驿站]
`)
	assert.Equal(t, []glossary.Group{
		{Term: "暖“新”驿站", Variants: []string{"驿站", "歇脚点"}},
		{Term: "智能助手", Variants: []string{"ＡＩ助理"}},
		{Term: "子女"},
		{Term: "新经济组织", Variants: []string{"驿站"}},
	}, g.Groups())
	assert.Equal(t, 4, g.Len())
	assert.Equal(t, []string{"暖新驿站", "驿站", "歇脚点"}, g.Expressions(0))
	assert.Equal(t, []string{"智能助手", "ai助理"}, g.Expressions(1))

	g.Groups()[0].Variants[0] = "changed"
	require.Equal(t, "驿站", g.Groups()[0].Variants[0], "Groups exposes internal state")

	tests := []struct {
		text string
		want []glossary.Found
	}{
		{"", nil},
		{"附近有没有歇脚点", []glossary.Found{{Group: 0, Exprs: []string{"歇脚点"}}}},
		{"ai助理 和 子女", []glossary.Found{{Group: 1, Exprs: []string{"ai助理"}}, {Group: 2, Exprs: []string{"子女"}}}},
		{"暖‘新’驿站", []glossary.Found{{Group: 0, Exprs: []string{"暖新驿站", "驿站"}}, {Group: 3, Exprs: []string{"驿站"}}}},
		{"驿站，驿站", []glossary.Found{{Group: 0, Exprs: []string{"驿站"}}, {Group: 3, Exprs: []string{"驿站"}}}},
		{"驿，站", nil},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			assert.Equal(t, tc.want, g.Find(tc.text))
		})
	}
}

// TestJoinedForms: an expression written with punctuation inside is also
// found as people type it, without the punctuation, but never across
// punctuation the text has and the expression does not.
func TestJoinedForms(t *testing.T) {
	g := mustParse(t, "- term: 双向进入、交叉任职\n  variants: [交叉任职, 双向进入交叉任职]\n")
	assert.Equal(t, []glossary.Group{{Term: "双向进入、交叉任职", Variants: []string{"交叉任职"}}}, g.Groups())
	assert.Equal(t, []string{"双向进入、交叉任职", "双向进入交叉任职", "交叉任职"}, g.Expressions(0))
	tests := []struct {
		text string
		want []glossary.Found
	}{
		{"如何落实“双向进入、交叉任职”", []glossary.Found{{Group: 0, Exprs: []string{"双向进入、交叉任职", "交叉任职"}}}},
		{"双向进入交叉任职怎么落实", []glossary.Found{{Group: 0, Exprs: []string{"双向进入交叉任职", "交叉任职"}}}},
		{"双向进入，交叉任职", []glossary.Found{{Group: 0, Exprs: []string{"交叉任职"}}}},
		{"交叉，任职", nil},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			assert.Equal(t, tc.want, g.Find(tc.text))
		})
	}
}

func TestNilGlossary(t *testing.T) {
	var g *glossary.Glossary
	assert.Zero(t, g.Len())
	assert.Nil(t, g.Find("驿站"))
	assert.Nil(t, g.Groups())
}

func TestNew(t *testing.T) {
	g, err := glossary.New([]glossary.Group{{Term: "体检", Variants: []string{"查个身体", " 查个 身体 "}}})
	require.NoError(t, err)
	assert.Equal(t, []glossary.Group{{Term: "体检", Variants: []string{"查个身体"}}}, g.Groups())

	_, err = glossary.New([]glossary.Group{{Term: "甲"}, {Variants: []string{"乙"}}})
	require.ErrorIs(t, err, glossary.ErrInvalid)
	var se *strictyaml.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "[1].term", se.Key)
	assert.Contains(t, err.Error(), "第 2 组缺少 term")
}

// TestParseErrors: a malformed glossary fails with the file, the line and
// the key of the problem.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		data string
		line int      // of the first problem; 0 when none
		key  string   // of the first problem
		msg  []string // parts of the message
	}{
		{"empty", "", 0, "", []string{"是空的"}},
		{"empty list", "[]", 0, "", []string{"是空的"}},
		{"not YAML", "- term: [a\n", 1, "", []string{"YAML 格式错误"}},
		{"not a list", "term: 六同步\n", 1, "", []string{"第 1 行", "应为列表"}},
		{"group not a mapping", "- 六同步\n", 1, "", []string{"第 1 行", "应为一组设置"}},
		{"unknown key", "- term: 甲\n  varients: [乙]\n", 2, "varients", []string{"第 2 行", "未知的设置 varients", "是否想写 variants"}},
		{"variants not a list", "- term: 甲\n  variants: 乙\n", 2, "variants", []string{"第 2 行", "variants 应为列表"}},
		{"term not text", "- term: [甲]\n", 1, "term", []string{"第 1 行", "term 应为文本"}},
		{"missing term", "- term: 甲\n- variants: [乙]\n", 2, "[1].term", []string{"第 2 行", "第 2 组缺少 term"}},
		{"null term", "- term:\n  variants: [乙]\n", 1, "[0].term", []string{"第 1 行", "第 1 组缺少 term"}},
		{"empty expression", "- term: 甲\n  variants:\n  - 乙\n  - \"“”\"\n", 4, "[0].variants[1]", []string{"第 4 行", "空的说法"}},
		{"duplicate term", "- term: 暖“新”驿站\n- term: 暖新驿站\n", 2, "[1].term", []string{"第 2 行", "与第 1 组的相同"}},
		{"all problems listed", "- term: 甲\n  variants: [\"\"]\n- variants: [乙]\n", 2, "[0].variants[0]", []string{"2 处错误", "第 2 行", "第 3 行：第 2 组缺少 term"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := glossary.Parse("corpus/glossary.yaml", []byte(tc.data))
			require.ErrorIs(t, err, glossary.ErrInvalid)
			assert.Contains(t, err.Error(), "词汇表 corpus/glossary.yaml ")
			for _, m := range tc.msg {
				assert.Contains(t, err.Error(), m)
			}
			var se *strictyaml.Error
			require.ErrorAs(t, err, &se)
			assert.Equal(t, tc.line, se.Line, "line")
			assert.Equal(t, tc.key, se.Key, "key")
		})
	}
}

func TestLoad(t *testing.T) {
	fsys := fstest.MapFS{
		"ok.yaml":  {Data: []byte("- term: 甲\n  variants: [乙]\n")},
		"bad.yaml": {Data: []byte("- term: 甲\n  variant: [乙]\n")},
	}
	g, err := glossary.Load(fsys, "ok.yaml")
	require.NoError(t, err)
	assert.Equal(t, 1, g.Len())

	_, err = glossary.Load(fsys, "bad.yaml")
	require.ErrorIs(t, err, glossary.ErrInvalid)
	assert.Contains(t, err.Error(), "词汇表 bad.yaml 第 2 行：未知的设置 variant，是否想写 variants？")

	_, err = glossary.Load(fsys, "missing.yaml")
	require.ErrorIs(t, err, glossary.ErrInvalid)
	assert.Contains(t, err.Error(), "无法读取词汇表 missing.yaml")
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("- term: 暖“新”驿站\n  variants: [暖新驿站, 驿站]\n"))
	f.Add([]byte("- &a term: x\n  variants: [*a, ~]\n"))
	f.Add([]byte("- {term: 甲, variants: [乙, 丙]}\n- term: 丁"))
	f.Add([]byte("- term: 甲\n  <<: {variants: [乙]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := glossary.Parse("f.yaml", data)
		if err != nil {
			var se *strictyaml.Error
			if !errors.Is(err, glossary.ErrInvalid) || !errors.As(err, &se) {
				t.Fatalf("error %v does not wrap ErrInvalid and a *strictyaml.Error", err)
			}
			return
		}
		groups := g.Groups()
		if len(groups) == 0 {
			t.Fatal("valid glossary without groups")
		}
		for i, grp := range groups {
			// Every expression names its own group.
			for _, e := range append([]string{grp.Term}, grp.Variants...) {
				if !containsGroup(g.Find(e), i) {
					t.Fatalf("expression %q does not name its group %d", e, i)
				}
			}
		}
	})
}

func containsGroup(found []glossary.Found, i int) bool {
	for _, f := range found {
		if f.Group == i {
			return true
		}
	}
	return false
}
