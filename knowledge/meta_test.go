package knowledge_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/knowledge"
)

func TestMetadata(t *testing.T) {
	tests := []struct {
		name                                string
		file, text                          string
		title, issuer, number, date, citing string
	}{
		{"official document",
			"a.txt", "中共某某区委社会工作部文件\n\n社工发〔2025〕12号\n\n关于做好暖“新”驿站建设工作的通知\n\n各街道：\n\n现将有关事项通知如下。\n\n中共某某区委社会工作部\n2025年3月12日\n\n（此件公开发布）\n\n某某区委社会工作部办公室          2025年3月13日印发",
			"关于做好暖“新”驿站建设工作的通知", "中共某某区委社会工作部", "社工发〔2025〕12号", "2025-03-12",
			"关于做好暖“新”驿站建设工作的通知（社工发〔2025〕12号，2025年3月12日）"},
		{"number with 签发人, square brackets, wrapped title",
			"a.txt", "某某区民政局文件\n民发[2024]3号          签发人：王五\n关于开展社会组织\n年检工作的通知\n各社会组织：\n请按时参加年检。\n某某区民政局\n二〇二四年一月五日",
			"关于开展社会组织年检工作的通知", "某某区民政局", "民发[2024]3号", "2024-01-05",
			"关于开展社会组织年检工作的通知（民发[2024]3号，2024年1月5日）"},
		{"joint signature",
			"a.txt", "关于推进驿站建设的实施意见\n\n为推进驿站建设，制定本意见。\n\n某某区委社会工作部\n某某区总工会\n2025-03-12",
			"关于推进驿站建设的实施意见", "某某区委社会工作部、某某区总工会", "", "2025-03-12",
			"关于推进驿站建设的实施意见（2025年3月12日）"},
		{"page fields",
			"a.txt", "驿站管理办法\n发布机构：某某区民政局  发文字号：民发〔2023〕7号  发布日期：2023年6月\n第一条 为规范驿站管理，制定本办法。",
			"驿站管理办法", "某某区民政局", "民发〔2023〕7号", "2023-06",
			"驿站管理办法（民发〔2023〕7号，2023年6月）"},
		{"date under the title in brackets",
			"a.txt", "某某商会章程\n（2025年1月8日会员大会通过）\n第一条 本会名称为某某商会。",
			"某某商会章程", "", "", "",
			"某某商会章程"},
		{"date line under the title",
			"a.txt", "某某商会章程\n（2025年1月8日）\n第一条 本会名称为某某商会。",
			"某某商会章程", "", "", "2025-01-08",
			"某某商会章程（2025年1月8日）"},
		{"a number cited in the body is not the document's",
			"a.txt", "驿站建设情况\n\n根据《关于做好驿站建设的通知》（社工发〔2025〕12号）要求，我街道已建成驿站三个。",
			"驿站建设情况", "", "", "",
			"驿站建设情况"},
		{"invalid date",
			"a.txt", "通知\n\n正文。\n\n2025年2月30日",
			"通知", "", "", "",
			"通知"},
		{"bulletin without metadata",
			"a.txt", "党建动态\n\n某某区：驿站建设有新进展\n\n驿站建成开放。\n\n（来源：某某区委社会工作部）",
			"某某区：驿站建设有新进展", "", "", "",
			"某某区：驿站建设有新进展"},
		{"Markdown front matter",
			"a.md", "---\ntitle: 驿站服务指南\ndate: 2025-03-12\n文号: 社工发〔2025〕9号\nissuer: 某某区委社会工作部\n---\n\n# 指南\n\n正文。",
			"驿站服务指南", "某某区委社会工作部", "社工发〔2025〕9号", "2025-03-12",
			"驿站服务指南（社工发〔2025〕9号，2025年3月12日）"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := knowledge.LoadText(tc.file, []byte(tc.text))
			require.NoError(t, err)
			got := [5]string{doc.Title, doc.Issuer, doc.DocNumber, doc.Date, doc.Citation()}
			want := [5]string{tc.title, tc.issuer, tc.number, tc.date, tc.citing}
			assert.Equal(t, want, got, "title, issuer, number, date, citation")
		})
	}
}

func TestOfficialDocumentArticles(t *testing.T) {
	doc, err := knowledge.LoadText("通知.txt", []byte("中共某某区委社会工作部文件\n\n社工发〔2025〕12号\n\n关于做好暖“新”驿站建设工作的通知\n\n各街道：\n\n现将有关事项通知如下。"))
	require.NoError(t, err)
	assert.Equal(t, "# 关于做好暖“新”驿站建设工作的通知\n各街道：\n现将有关事项通知如下。\n", allText(doc), "the masthead is not text")
}

func TestChineseDate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2025-03-12", "2025年3月12日"},
		{"2025-03", "2025年3月"},
		{"2025", "2025年"},
		{"", ""},
		{"someday", "someday"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			assert.Equal(t, tc.want, knowledge.ChineseDate(tc.in), "ChineseDate(%q)", tc.in)
		})
	}
}
