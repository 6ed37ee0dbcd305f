package knowledge_test

import (
	"io"
	"testing"

	"github.com/stretchr/testify/assert"

	"partybot/knowledge"
)

func TestLoadXLSX(t *testing.T) {
	tests := []struct {
		name      string
		sheets    []string
		rows      map[string][][]any
		wantTitle string
		want      string
	}{
		{"title row, header and values",
			[]string{"Sheet1"},
			map[string][][]any{"Sheet1": {
				{"2025年社会组织换届台账"},
				{"名称", "负责人", "电话", "换届日期"},
				{"某某商会", "张三", "13800000000", "2025-03-12"},
				{"某某协会", "李四", "", "2025-06-30"},
				{},
				{"某某学会", "王五", 12345, nil},
			}},
			"2025年社会组织换届台账",
			"# 2025年社会组织换届台账\n名称：某某商会；负责人：张三；电话：13800000000；换届日期：2025-03-12\n名称：某某协会；负责人：李四；换届日期：2025-06-30\n名称：某某学会；负责人：王五；电话：12345\n"},
		{"one article per named sheet",
			[]string{"驿站", "工单"},
			map[string][][]any{
				"驿站": {{"驿站", "地址"}, {"一号驿站", "某某路1号"}},
				"工单": {{"编号", "状态"}, {"2026-000123", "已办结"}},
			},
			"台账",
			"# 驿站\n驿站：一号驿站；地址：某某路1号\n# 工单\n编号：2026-000123；状态：已办结\n"},
		{"numbers only: no header",
			[]string{"Sheet1"},
			map[string][][]any{"Sheet1": {{1, 2}, {3, 4}}},
			"台账",
			"# 台账\n1；2\n3；4\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := mustLoad(t, "台账.xlsx", makeXLSX(t, tc.sheets, tc.rows))
			assert.Equal(t, tc.wantTitle, doc.Title, "Title")
			assert.Equal(t, tc.want, allText(doc), "text")
		})
	}
}

func TestLoadXLSXErrors(t *testing.T) {
	good := makeXLSX(t, []string{"Sheet1"}, map[string][][]any{"Sheet1": {{"a", "b"}, {"c", "d"}}})
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"truncated", good[:len(good)/2], knowledge.ErrCorrupt},
		{"not a workbook", makeDOCX(t, wp("", "正文。")), knowledge.ErrCorrupt},
		{"empty workbook", makeXLSX(t, []string{"Sheet1"}, nil), knowledge.ErrEmpty},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := knowledge.Load("坏.xlsx", tc.data)
			assert.ErrorIs(t, err, tc.want, "Load")
		})
	}
}

func FuzzLoadXLSX(f *testing.F) {
	f.Add(makeXLSX(f, []string{"Sheet1"}, map[string][][]any{"Sheet1": {{"标题"}, {"姓名", "电话"}, {"张三", "123"}}}))
	f.Add(sharedStringsXLSX(f, `<si><t>名称</t></si><si><r><t>富</t></r><r><t>文本_x000D_</t></r><rPh><t>x</t></rPh></si>`))
	f.Add(makeSheetXLSX(f, func(w io.Writer) {
		io.WriteString(w, `<row r="1"><c r="A1" t="inlineStr"><is><t>名称</t></is></c><c><v>2</v></c><c r="D1" t="b"><v>1</v></c></row>`+
			`<row><c t="d"><v>2025-03-12T00:00:00Z</v></c><c r="C2" t="e"><v>#N/A</v></c><c r="IV2" t="str"><v>末列</v></c></row>`)
	}))
	f.Add(sheetsXLSX(f, 3))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := knowledge.Load("f.xlsx", data)
		checkLoadResult(t, doc, err)
	})
}
