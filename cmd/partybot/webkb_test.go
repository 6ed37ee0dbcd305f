package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/web"
)

// do sends a request with the bearer token and returns the response and
// its body.
func (c *console) do(method, path, token, ctype string, body []byte) (*http.Response, string) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	require.NoError(c.t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	return resp, string(b)
}

// upload posts files (name → content) to /api/v1/kb/documents.
func (c *console) upload(token string, files ...[2]string) (*http.Response, string) {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range files {
		w, err := mw.CreateFormFile("files", f[0])
		require.NoError(c.t, err)
		_, err = io.WriteString(w, f[1])
		require.NoError(c.t, err)
	}
	require.NoError(c.t, mw.Close())
	return c.do("POST", "/api/v1/kb/documents", token, mw.FormDataContentType(), buf.Bytes())
}

// hits runs the hit test of q.
func (c *console) hits(token, q string) (int, web.HitTest, string) {
	c.t.Helper()
	in, _ := json.Marshal(map[string]string{"question": q})
	resp, body := c.do("POST", "/api/v1/kb/hits", token, "application/json", in)
	var h web.HitTest
	if resp.StatusCode == http.StatusOK {
		require.NoError(c.t, json.Unmarshal([]byte(body), &h))
	}
	return resp.StatusCode, h, body
}

// docxOf builds a minimal .docx of the paragraphs.
func docxOf(t *testing.T, paras ...string) string {
	t.Helper()
	var body strings.Builder
	for _, p := range paras {
		body.WriteString(`<w:p><w:r><w:t xml:space="preserve">` + p + `</w:t></w:r></w:p>`)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, text := range map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"_rels/.rels":         `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
		"word/document.xml":   `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` + body.String() + `</w:body></w:document>`,
	} {
		w, err := zw.Create(name)
		require.NoError(t, err)
		_, err = io.WriteString(w, text)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.String()
}

// TestWebKB runs "partybot web" over a real knowledge base: documents
// uploaded are listed, found by the hit test, seen by the CLI in the same
// data directory, and removed; the hit test refuses what the knowledge
// base does not hold, as ask does.
func TestWebKB(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, webConfig)
	c := startConsole(t, dir, cfg)
	admin := lastLine(must(webCLI(t, dir, cfg, "token", "--user", "9")))
	staff := lastLine(must(webCLI(t, dir, cfg, "token", "--user", "5")))

	txt := "中共某区委社会工作部文件\n区社工发〔2026〕7号\n关于在商圈设立骑手暖心驿站的通知\n\n各街道：\n骑手暖心驿站应当配备饮水机、微波炉和充电柜，每日开放时间为早八点至晚十点。\n\n2026年3月9日\n"
	md := "---\ntitle: 骑手积分兑换细则\n---\n\n# 兑换\n\n骑手积分满一百分可以兑换一次免费体检。\n"
	docx := docxOf(t, "关于外卖骑手参加职工医保的说明", "外卖骑手以灵活就业人员身份参加职工医保，由本人按月缴费。")
	resp, body := c.upload(admin, [2]string{"驿站.txt", txt}, [2]string{"积分.md", md}, [2]string{"医保.docx", docx},
		[2]string{"空.txt", ""}, [2]string{"坏.docx", "PK not a zip"}, [2]string{"图.png", "\x89PNG"})
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	var rep struct {
		Files []struct{ File, Name, Status, Message string }
	}
	require.NoError(t, json.Unmarshal([]byte(body), &rep))
	require.Len(t, rep.Files, 6, body)
	for i, want := range []string{"added", "added", "added", "failed", "failed", "failed"} {
		assert.Equal(t, want, rep.Files[i].Status, rep.Files[i].File+"："+rep.Files[i].Message)
	}
	assert.Equal(t, "upload/驿站.txt", rep.Files[0].Name)

	resp, body = c.do("GET", "/api/v1/kb/documents", staff, "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	var list web.KBDocumentList
	require.NoError(t, json.Unmarshal([]byte(body), &list))
	byName := map[string]web.KBDocument{}
	for _, d := range list.Documents {
		byName[d.Name] = d
	}
	require.Contains(t, byName, "upload/驿站.txt")
	assert.Equal(t, "区社工发〔2026〕7号", byName["upload/驿站.txt"].DocNumber)
	assert.Equal(t, "2026-03-09", byName["upload/驿站.txt"].Date)
	assert.Positive(t, byName["upload/驿站.txt"].Passages)
	assert.NotNil(t, byName["upload/驿站.txt"].Added)
	assert.Contains(t, byName, "upload/医保.docx")
	assert.Contains(t, mustCLI(t, dir, cfg, "kb", "list"), "upload/积分.md", "the same data directory")

	for _, tc := range []struct{ q, doc string }{
		{"骑手暖心驿站的开放时间是几点？", "upload/驿站.txt"},
		{"外卖骑手怎样参加职工医保？", "upload/医保.docx"},
		{"骑手积分可以兑换什么？", "upload/积分.md"},
	} {
		status, h, body := c.hits(staff, tc.q)
		require.Equal(t, http.StatusOK, status, body)
		require.NotEmpty(t, h.Hits, tc.q)
		assert.Equal(t, tc.doc, h.Hits[0].Doc, tc.q)
		assert.Equal(t, "answered", h.Outcome, "%s: %s", tc.q, h.Reason)
		assert.Positive(t, h.Hits[0].Coverage)
	}

	status, h, body := c.hits(staff, "火星殖民地的签证怎么办理？")
	require.Equal(t, http.StatusOK, status, body)
	assert.Equal(t, "refused", h.Outcome)
	assert.True(t, h.Refused)
	assert.Contains(t, h.Reason, "会拒答")

	for _, tc := range []struct{ name, q, want string }{
		{"question marks", strings.Repeat("？", 10000), "只有标点或符号"},
		{"too long", strings.Repeat("驿站", 600), "问题太长"},
		{"empty", "", "问题是空的"},
	} {
		status, _, body := c.hits(staff, tc.q)
		assert.Equal(t, http.StatusBadRequest, status, tc.name)
		assert.Contains(t, body, tc.want, tc.name)
	}

	resp, _ = c.upload(staff, [2]string{"x.txt", "内容"})
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "staff are not keepers")

	id := web.DocumentID("upload/驿站.txt")
	resp, body = c.do("DELETE", "/api/v1/kb/documents/"+id, admin, "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	_, h, _ = c.hits(staff, "骑手暖心驿站的开放时间是几点？")
	for _, hit := range h.Hits {
		assert.NotEqual(t, "upload/驿站.txt", hit.Doc, "removed")
	}
	assert.NotContains(t, mustCLI(t, dir, cfg, "kb", "list"), "upload/驿站.txt")
}

func must(s string, err error) string {
	if err != nil {
		panic(err)
	}
	return s
}
