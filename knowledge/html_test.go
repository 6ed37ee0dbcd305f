package knowledge_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"

	"partybot/knowledge"
)

// govPage is a page as Chinese government sites lay them out: navigation,
// a header, a breadcrumb, the article in a content <div>, a sidebar of
// links and a footer, with scripts and styles in between.
const govPage = `<!DOCTYPE html>
<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=%s">
<title>关于做好暖“新”驿站建设工作的通知_某某区人民政府网</title>
<style>.nav{color:red} body{font:12px 宋体}</style>
<script>var 统计代码 = "不要读我"; document.write("<p>脚本文字</p>");</script>
</head><body>
<div class="top"><a href="/">首页</a> | <a href="/gk">政务公开</a> | <a href="/bs">办事服务</a></div>
<nav><ul><li><a href="/1">机构概况</a></li><li><a href="/2">政策文件</a></li><li><a href="/3">互动交流</a></li></ul></nav>
<header><h1>某某区人民政府网</h1></header>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zc">政策文件</a></div>
<table class="info"><tr><td>发布机构：中共某某区委社会工作部</td><td>发布日期：2025-03-14</td></tr></table>
<div id="zoom" class="TRS_Editor">
<p align="center"><b>社工发〔2025〕12号</b></p>
<p>各街道党工委、区直有关单位：</p>
<p>　　为进一步做好新就业群体服务工作，推动暖“新”驿站规范化建设，
现将有关事项通知如下。</p>
<h2>一、建设标准</h2>
<p>　　驿站面积不少于<span>20</span>平方米，配备饮水机、微波炉和急救药箱&nbsp;。</p>
<table border="1"><tr><th>服务</th><th>开放时间</th></tr><tr><td>饮水</td><td>全天</td></tr><tr><td>充电</td><td>9:00-18:00</td></tr></table>
<p style="display:none">隐藏的文字。</p>
<p align="right">中共某某区委社会工作部</p>
<p align="right">2025年3月12日</p>
</div>
<aside><h3>相关链接</h3><ul><li><a href="/x">关于开展社会组织年检工作的通知</a></li></ul></aside>
<footer>版权所有：某某区人民政府 备案号：京ICP备00000000号</footer>
<script>console.log("页脚脚本")</script>
</body></html>`

func TestLoadHTML(t *testing.T) {
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(strings.Replace(govPage, "%s", "gbk", 1))
	if err != nil {
		t.Fatal(err)
	}
	gb2312 := strings.Replace(gbk, `http-equiv="Content-Type" content="text/html; charset=gbk"`, `charset="GB2312"`, 1)
	undeclared := strings.Replace(gbk, `charset=gbk`, ``, 1)
	utf16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(strings.Replace(govPage, "%s", "utf-16", 1))
	if err != nil {
		t.Fatal(err)
	}
	want := "# 关于做好暖“新”驿站建设工作的通知\n" +
		"社工发〔2025〕12号\n" +
		"各街道党工委、区直有关单位：\n" +
		"为进一步做好新就业群体服务工作，推动暖“新”驿站规范化建设，现将有关事项通知如下。\n" +
		"## 一、建设标准\n" +
		"驿站面积不少于20平方米，配备饮水机、微波炉和急救药箱。\n" +
		"服务：饮水；开放时间：全天\n" +
		"服务：充电；开放时间：9:00-18:00\n" +
		"中共某某区委社会工作部\n" +
		"2025年3月12日\n"
	tests := []struct {
		name string
		data string
	}{
		{"GBK by http-equiv", gbk},
		{"GB2312 by meta charset", gb2312},
		{"GBK undeclared", undeclared},
		{"UTF-8", strings.Replace(govPage, "%s", "utf-8", 1)},
		{"UTF-8 declared as GBK", strings.Replace(govPage, "%s", "gbk", 1)},
		{"UTF-16 with BOM", utf16},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := mustLoad(t, "通知.html", []byte(tc.data))
			if got := allText(doc); got != want {
				t.Errorf("text\n got %q\nwant %q", got, want)
			}
			if got, want := doc.Citation(), "关于做好暖“新”驿站建设工作的通知（社工发〔2025〕12号，2025年3月12日）"; got != want {
				t.Errorf("Citation = %q, want %q", got, want)
			}
			if got, want := doc.Issuer, "中共某某区委社会工作部"; got != want {
				t.Errorf("Issuer = %q, want %q", got, want)
			}
		})
	}
}

func TestLoadHTMLMainContent(t *testing.T) {
	tests := []struct {
		name, page, want string
	}{
		{"article element wins over a longer list of links",
			`<title>站点</title><div><a>新闻一新闻一新闻一新闻一新闻一</a><a>新闻二新闻二新闻二新闻二新闻二新闻二</a><a>新闻三新闻三新闻三新闻三新闻三新闻三</a></div><article><h1>驿站开放</h1><p>驿站每天开放，提供饮水和充电服务。</p></article>`,
			"# 驿站开放\n驿站每天开放，提供饮水和充电服务。\n"},
		{"the block with the most Chinese text, not the link lists",
			`<title>关于开展换届工作的通知 - 民政局</title><div class="menu"><div><a>首页</a></div><div><a>社会组织登记</a></div><div><a>年检年报</a></div></div>` +
				`<div class="main"><div class="left"><p>社会组织应当按照章程规定按期换届。</p><p>换届前应当向业务主管单位报告，接受前置审核。</p></div></div>` +
				`<div class="links">友情链接：<a>某某市民政局网站</a><a>某某省民政厅网站</a></div>`,
			"# 关于开展换届工作的通知\n社会组织应当按照章程规定按期换届。\n换届前应当向业务主管单位报告，接受前置审核。\n"},
		{"a layout table holding the article",
			`<title>工作动态</title><table><tr><td><a>首页</a></td><td><a>动态</a></td></tr><tr><td colspan=2><h1>街道召开驿站建设推进会</h1><p>会议要求，各社区要在月底前完成驿站建设。</p><p>会上还通报了上月工单办结情况。</p></td></tr></table>`,
			"# 街道召开驿站建设推进会\n会议要求，各社区要在月底前完成驿站建设。\n会上还通报了上月工单办结情况。\n"},
		{"unclosed paragraphs and list items, line breaks",
			`<title>须知</title><body><div><p>第一段。<p>第二段<br>第二行。<ul><li>点单<li>派单</ul></div>`,
			"# 须知\n第一段。\n第二段\n第二行。\n点单\n派单\n"},
		{"page without title",
			`<p>只有正文。</p>`,
			"# 页面\n只有正文。\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := mustLoad(t, "页面.htm", []byte(tc.page))
			if got := allText(doc); got != tc.want {
				t.Errorf("text\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestLoadHTMLBomb(t *testing.T) {
	tests := []struct {
		name, open, close string
		n                 int
	}{
		{"nested divs", "<div>", "</div>", 200000},
		{"unclosed divs", "<div>", "", 300000},
		{"nested tables", "<table><tr><td>", "</td></tr></table>", 50000},
		{"nested inline elements", "<b><i>", "</i></b>", 150000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var page bytes.Buffer
			page.WriteString("<title>炸弹</title>")
			for range tc.n {
				page.WriteString(tc.open)
			}
			page.WriteString("<p>最深处的文字。</p>")
			for range tc.n {
				page.WriteString(tc.close)
			}
			doc := mustLoad(t, "bomb.html", page.Bytes())
			if got := allText(doc); !strings.Contains(got, "最深处的文字。") {
				t.Errorf("text %q lost the innermost paragraph", got)
			}
		})
	}
}

func TestLoadHTMLErrors(t *testing.T) {
	big5, err := traditionalchinese.Big5.NewEncoder().String(`<meta charset="big5"><title>標題</title><p>繁體中文網頁。</p>`)
	if err != nil {
		t.Fatal(err)
	}
	doc := mustLoad(t, "big5.html", []byte(big5))
	if got, want := allText(doc), "# 標題\n繁體中文網頁。\n"; got != want {
		t.Errorf("Big5 page: text %q, want %q", got, want)
	}
	for _, page := range []string{"", "<html><script>x()</script></html>", "<nav>只有导航</nav>"} {
		if _, err := knowledge.Load("a.html", []byte(page)); !errors.Is(err, knowledge.ErrEmpty) {
			t.Errorf("Load(%q) error = %v, want ErrEmpty", page, err)
		}
	}
}

func FuzzLoadHTML(f *testing.F) {
	f.Add([]byte(strings.Replace(govPage, "%s", "gbk", 1)))
	f.Add([]byte(`<meta charset="gb18030"><title>t</title><article><h1>标题</h1><p>正文。<table><tr><th>a<th>b<tr><td>1<td>2</table>`))
	f.Add([]byte("\xef\xbb\xbf<p>BOM</p><div><div><div>深</div></div>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := knowledge.Load("f.html", data)
		checkLoadResult(t, doc, err)
	})
}
