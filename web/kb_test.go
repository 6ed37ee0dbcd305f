package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/apperr"
	"partybot/knowledge"
	"partybot/retrieval"
	"partybot/web"
)

// fakeKB is a knowledge base of the real loaders, held in memory: a
// document is found by the hit test when the question's text is in it.
type fakeKB struct {
	mu        sync.Mutex
	docs      map[string]web.KBDocument
	texts     map[string]string
	ingestErr error // what Ingest returns, when set
	ingested  int   // files Ingest was given
}

var _ web.KnowledgeBase = (*fakeKB)(nil)

func newFakeKB() *fakeKB {
	kb := &fakeKB{docs: map[string]web.KBDocument{}, texts: map[string]string{}}
	kb.docs["corpus/bulletin.txt"] = web.KBDocument{Name: "corpus/bulletin.txt", Title: "内置简报", Passages: 3, Shipped: true}
	kb.texts["corpus/bulletin.txt"] = "六同步机制"
	return kb
}

func (kb *fakeKB) Documents() []web.KBDocument {
	kb.mu.Lock()
	defer kb.mu.Unlock()
	var out []web.KBDocument
	for _, d := range kb.docs {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (kb *fakeKB) UploadName(file string) string { return "upload/" + file }

func (kb *fakeKB) Ingest(ctx context.Context, files []web.KBFile) ([]web.KBResult, int, error) {
	kb.mu.Lock()
	defer kb.mu.Unlock()
	if kb.ingestErr != nil {
		return nil, 0, kb.ingestErr
	}
	kb.ingested += len(files)
	var out []web.KBResult
	for _, f := range files {
		res := web.KBResult{Name: f.Name}
		data, err := f.Read()
		var doc knowledge.Document
		if err == nil {
			doc, err = knowledge.Load(f.Name, data)
		}
		sum := sha256.Sum256(data)
		hash := hex.EncodeToString(sum[:])
		switch old, held := kb.docs[f.Name]; {
		case err != nil:
			res.Status, res.Err = web.KBFailed, err
		case held && old.SHA256 == hash:
			res.Status = web.KBUnchanged
		default:
			res.Status, res.Warnings = web.KBAdded, doc.Warnings
			if held {
				res.Status = web.KBUpdated
			}
			now := time.Now()
			kb.docs[f.Name] = web.KBDocument{Name: f.Name, Title: doc.Title, DocNumber: doc.DocNumber, Date: doc.Date,
				Passages: len(doc.Chunks(0)), Added: &now, SHA256: hash}
			kb.texts[f.Name] = doc.Text
		}
		out = append(out, res)
	}
	return out, 0, nil
}

func (kb *fakeKB) Remove(ctx context.Context, names []string) ([]string, error) {
	kb.mu.Lock()
	defer kb.mu.Unlock()
	for _, n := range names {
		if d, ok := kb.docs[n]; !ok || d.Shipped {
			return nil, apperr.Errorf(apperr.ENotFound, "知识库中没有名为“%s”的导入文档", n)
		}
	}
	for _, n := range names {
		delete(kb.docs, n)
	}
	return names, nil
}

func (kb *fakeKB) HitTest(ctx context.Context, q string) (web.HitTest, error) {
	kb.mu.Lock()
	defer kb.mu.Unlock()
	h := web.HitTest{Question: q, Outcome: "refused", Refused: true, JudgedBy: "offline", MinCoverage: 0.4}
	focus := strings.TrimRight(q, "？?")
	for name, text := range kb.texts {
		if strings.Contains(text, focus) {
			h.Outcome, h.Refused = "answered", false
			h.Hits = append(h.Hits, retrieval.Hit{Passage: retrieval.Passage{Title: kb.docs[name].Title, Doc: name, Text: text},
				Rank: 1, Score: 0.9, Coverage: 1})
		}
	}
	return h, nil
}

// newKBEnv is newEnv with the console over a fake knowledge base.
func newKBEnv(tb testing.TB) (*env, *fakeKB) {
	tb.Helper()
	e := newEnv(tb, "")
	kb := newFakeKB()
	e.ts = httptest.NewServer(web.NewServer(e.auth, e.tickets, viewer, "", nil, web.WithKnowledgeBase(kb)))
	tb.Cleanup(e.ts.Close)
	return e, kb
}

// file is a file to upload.
type file struct {
	name string
	data []byte
}

// upload posts files as the upload form does, to path.
func (e *env) upload(tb testing.TB, path, sid string, files []file, header ...string) (*http.Response, string) {
	tb.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range files {
		w, err := mw.CreateFormFile("files", f.name)
		require.NoError(tb, err)
		_, err = w.Write(f.data)
		require.NoError(tb, err)
	}
	require.NoError(tb, mw.Close())
	h := append([]string{"Content-Type", mw.FormDataContentType(), "Origin", e.ts.URL, "Sec-Fetch-Site", "same-origin"}, header...)
	return e.do(tb, "POST", path, sid, buf.String(), h...)
}

// makeDOCX builds a minimal .docx of the paragraphs.
func makeDOCX(tb testing.TB, paras ...string) []byte {
	tb.Helper()
	var body strings.Builder
	for _, p := range paras {
		body.WriteString(`<w:p><w:r><w:t xml:space="preserve">` + p + `</w:t></w:r></w:p>`)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range []struct{ name, text string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`},
		{"word/document.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` + body.String() + `</w:body></w:document>`},
	} {
		w, err := zw.Create(f.name)
		require.NoError(tb, err)
		_, err = w.Write([]byte(f.text))
		require.NoError(tb, err)
	}
	require.NoError(tb, zw.Close())
	return buf.Bytes()
}

// goodTXT is an official document with a 文号 and a date.
const goodTXT = "中共某区委社会工作部文件\n区社工发〔2026〕3号\n关于加强快递驿站建设的通知\n\n各街道：\n快递驿站应当配备饮水机和充电设施，方便快递小哥歇脚。\n\n2026年3月1日\n"

// goodMD is a Markdown document with front matter.
const goodMD = "---\ntitle: 红色积分管理办法\ndate: 2026-02-01\n---\n\n# 积分规则\n\n参加志愿服务一次积五分，积分可兑换生活用品。\n"

func TestKBPage(t *testing.T) {
	e, _ := newKBEnv(t)
	admin, staff := e.signIn(t, "tg:admin"), e.signIn(t, "tg:renshe")

	resp, body := e.do(t, "GET", "/kb", admin, "")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Contains(t, body, `<a href="/kb">知识库</a>`, "in the nav")
	assert.Contains(t, body, "内置简报")
	assert.Contains(t, body, `action="/kb/upload"`)
	assert.Contains(t, body, "命中测试")

	resp, body = e.do(t, "GET", "/kb", staff, "")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Contains(t, body, "内置简报", "staff see the list")
	assert.Contains(t, body, `name="q"`, "and the hit test")
	assert.NotContains(t, body, `action="/kb/upload"`, "but not the upload form")

	resp, body = e.do(t, "GET", "/kb", "", "")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.NotContains(t, body, "内置简报")
}

// TestKBUpload: good documents go in and are listed and found; every bad
// one gets its own Chinese message and loses nothing else in the batch.
func TestKBUpload(t *testing.T) {
	e, kb := newKBEnv(t)
	admin := e.signIn(t, "tg:admin")
	docx := makeDOCX(t, "关于规范新就业群体服务的意见", "新就业群体服务站点应当每日开放，提供热水和休息座椅。")
	files := []file{
		{"通知.txt", []byte(goodTXT)},
		{"空文件.txt", nil},
		{"二进制.txt", []byte("\x00\x01\x02\x03binary\x00\x00\xff\xfe")},
		{"乱码.txt", brokenUTF8()},
		{"程序.exe", []byte("MZ")},
		{"旧格式.doc", []byte("whatever")},
		{"损坏.docx", []byte("PK\x03\x04 this is not a zip")},
		{"办法.md", []byte(goodMD)},
		{"意见.docx", docx},
		{"通知.txt", []byte("同名的另一个文件")},
		{"副本.txt", []byte(goodTXT)},
		{"超大.txt", bytes.Repeat([]byte("大"), knowledge.MaxFileSize/3+1)},
	}
	resp, body := e.upload(t, "/kb/upload", admin, files)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)

	rows := reportRows(body)
	require.Len(t, rows, len(files), body)
	for _, tc := range []struct {
		file, label, message string
	}{
		{"通知.txt", "新增", "已加入知识库"},
		{"空文件.txt", "失败", "没有文字内容"},
		{"二进制.txt", "失败", "二进制"},
		{"乱码.txt", "失败", "不是有效的 UTF-8"},
		{"程序.exe", "失败", "不支持"},
		{"旧格式.doc", "失败", ".docx"},
		{"损坏.docx", "失败", "已损坏"},
		{"办法.md", "新增", "已加入知识库"},
		{"意见.docx", "新增", "已加入知识库"},
		{"通知.txt", "重复", "同名"},
		{"副本.txt", "重复", "内容相同"},
		{"超大.txt", "失败", "文件太大"},
	} {
		i := slicesIndex(rows, tc.file, tc.label)
		if !assert.GreaterOrEqual(t, i, 0, "%s %s in %v", tc.file, tc.label, rows) {
			continue
		}
		assert.Contains(t, rows[i][2], tc.message, tc.file)
		assert.Regexp(t, `\p{Han}`, rows[i][2], "%s: a Chinese message", tc.file)
	}
	assert.Contains(t, body, "新增 3，更新 0，未变 0，重复 2，失败 7")

	// Listed, with what they state, and found by the hit test.
	_, body = e.do(t, "GET", "/kb", admin, "")
	assert.Contains(t, body, "区社工发〔2026〕3号")
	assert.Contains(t, body, "红色积分管理办法")
	assert.Contains(t, body, "upload/意见.docx")
	for _, q := range []string{"快递驿站应当配备饮水机", "积分可兑换生活用品", "提供热水和休息座椅"} {
		_, body = e.do(t, "GET", "/kb?q="+url.QueryEscape(q), admin, "")
		assert.Contains(t, body, "会回答", q)
	}

	t.Run("again unchanged", func(t *testing.T) {
		_, body := e.upload(t, "/kb/upload", admin, files[:1])
		assert.Contains(t, body, "内容没有变化")
	})
	t.Run("not a form", func(t *testing.T) {
		resp, body := e.post(t, "/kb/upload", admin, url.Values{"files": {"x"}})
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
		assert.Contains(t, body, "multipart/form-data")
	})
	t.Run("no files", func(t *testing.T) {
		resp, body := e.upload(t, "/kb/upload", admin, nil)
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
		assert.Contains(t, body, "没有收到文件")
	})
	t.Run("lock timeout", func(t *testing.T) {
		kb.mu.Lock()
		kb.ingestErr = apperr.Errorf(apperr.EConflict, "知识库正由另一项操作更新，等待超时，请稍后再试")
		kb.mu.Unlock()
		defer func() { kb.mu.Lock(); kb.ingestErr = nil; kb.mu.Unlock() }()
		resp, body := e.upload(t, "/kb/upload", admin, []file{{"新.txt", []byte("新文件的内容")}})
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Contains(t, body, "等待超时，请稍后再试。本次上传的文件均未导入")
		resp, body = e.upload(t, "/api/v1/kb/documents", admin, []file{{"新.txt", []byte("新文件的内容")}})
		assert.Equal(t, http.StatusConflict, resp.StatusCode)
		assert.Contains(t, body, `"code":"conflict"`)
	})
}

// brokenUTF8 is Chinese UTF-8 text with a character cut in two.
func brokenUTF8() []byte {
	good := []byte("关于加强快递驿站建设的通知。快递驿站应当配备饮水机和充电设施。")
	return append(append(append([]byte{}, good[:10]...), 0xe5, 0xbf), good[12:]...)
}

// reportRows returns the upload report's rows: file, label, message.
func reportRows(body string) [][3]string {
	i := strings.Index(body, `id="report"`)
	if i < 0 {
		return nil
	}
	end := strings.Index(body[i:], "</table>")
	re := regexp.MustCompile(`(?s)<tr><td>(.*?)</td><td class="n"><span class="tag[^"]*">(.*?)</span></td>\s*<td>(.*?)</td></tr>`)
	var out [][3]string
	for _, m := range re.FindAllStringSubmatch(body[i:i+end], -1) {
		out = append(out, [3]string{m[1], m[2], m[3]})
	}
	return out
}

func slicesIndex(rows [][3]string, file, label string) int {
	for i, r := range rows {
		if r[0] == file && r[1] == label {
			return i
		}
	}
	return -1
}

// TestKBKeeperOnly: staff who are not administrators see no forms and
// cannot upload or remove by page or API; neither can another site.
func TestKBKeeperOnly(t *testing.T) {
	e, kb := newKBEnv(t)
	admin, staff := e.signIn(t, "tg:admin"), e.signIn(t, "tg:renshe")
	_, _ = e.upload(t, "/kb/upload", admin, []file{{"通知.txt", []byte(goodTXT)}})
	id := web.DocumentID("upload/通知.txt")
	staffTok, err := e.auth.NewToken(context.Background(), "tg:renshe")
	require.NoError(t, err)

	for _, tc := range []struct {
		name string
		send func() (*http.Response, string)
	}{
		{"page upload", func() (*http.Response, string) {
			return e.upload(t, "/kb/upload", staff, []file{{"x.txt", []byte("内容")}})
		}},
		{"api upload", func() (*http.Response, string) {
			return e.upload(t, "/api/v1/kb/documents", "", []file{{"x.txt", []byte("内容")}}, "Authorization", "Bearer "+staffTok)
		}},
		{"confirm page", func() (*http.Response, string) { return e.do(t, "GET", "/kb/documents/"+id+"/remove", staff, "") }},
		{"page remove", func() (*http.Response, string) {
			return e.post(t, "/kb/documents/"+id+"/remove", staff, url.Values{"confirm": {"yes"}})
		}},
		{"api delete", func() (*http.Response, string) {
			return e.do(t, "DELETE", "/api/v1/kb/documents/"+id, "", "", "Authorization", "Bearer "+staffTok)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := tc.send()
			assert.Equal(t, http.StatusForbidden, resp.StatusCode, body)
			assert.Contains(t, body, "只有管理员")
		})
	}
	t.Run("cross origin", func(t *testing.T) {
		resp, _ := e.upload(t, "/kb/upload", admin, []file{{"y.txt", []byte("内容")}}, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
		resp, _ = e.post(t, "/kb/documents/"+id+"/remove", admin, url.Values{"confirm": {"yes"}}, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
		resp, body := e.do(t, "DELETE", "/api/v1/kb/documents/"+id, admin, "", "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
		assert.Contains(t, body, "其他网站")
	})
	assert.Len(t, kb.Documents(), 2, "nothing changed")
	assert.Equal(t, 1, kb.ingested)
}

// TestKBRemove: removal asks first, then removes; shipped documents stay.
func TestKBRemove(t *testing.T) {
	e, kb := newKBEnv(t)
	admin := e.signIn(t, "tg:admin")
	_, _ = e.upload(t, "/kb/upload", admin, []file{{"通知.txt", []byte(goodTXT)}, {"办法.md", []byte(goodMD)}})
	id := web.DocumentID("upload/通知.txt")

	_, body := e.do(t, "GET", "/kb", admin, "")
	assert.Contains(t, body, `href="/kb/documents/`+id+`/remove"`)
	assert.NotContains(t, body, `href="/kb/documents/`+web.DocumentID("corpus/bulletin.txt")+`/remove"`, "shipped: no link")

	resp, body := e.do(t, "GET", "/kb/documents/"+id+"/remove", admin, "")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Contains(t, body, "确认移除")
	assert.Contains(t, body, "区社工发〔2026〕3号")

	resp, body = e.post(t, "/kb/documents/"+id+"/remove", admin, url.Values{})
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Contains(t, body, "请勾选")
	assert.Len(t, kb.Documents(), 3, "not removed unconfirmed")

	resp, _ = e.post(t, "/kb/documents/"+id+"/remove", admin, url.Values{"confirm": {"yes"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/kb", resp.Header.Get("Location"))
	var flash *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "partybot_kb_flash" {
			flash = c
		}
	}
	require.NotNil(t, flash)
	req, _ := http.NewRequest("GET", e.ts.URL+"/kb", nil)
	req.AddCookie(&http.Cookie{Name: web.CookieName, Value: admin})
	req.AddCookie(flash)
	got, err := e.client(t).Do(req)
	require.NoError(t, err)
	var b bytes.Buffer
	_, _ = b.ReadFrom(got.Body)
	got.Body.Close()
	assert.Contains(t, b.String(), "已从知识库移除“关于加强快递驿站建设的通知”")
	assert.NotContains(t, b.String(), "upload/通知.txt")

	resp, body = e.post(t, "/kb/documents/"+id+"/remove", admin, url.Values{"confirm": {"yes"}})
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "gone")
	assert.Contains(t, body, "没有这个文档")
	resp, body = e.do(t, "GET", "/kb/documents/"+web.DocumentID("corpus/bulletin.txt")+"/remove", admin, "")
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Contains(t, body, "内置资料不能移除")

	t.Run("api", func(t *testing.T) {
		mdID := web.DocumentID("upload/办法.md")
		resp, body := e.do(t, "DELETE", "/api/v1/kb/documents/"+mdID, admin, "", "Origin", e.ts.URL)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		assert.JSONEq(t, `{"removed":["upload/办法.md"]}`, body)
		resp, body = e.do(t, "DELETE", "/api/v1/kb/documents/"+mdID, admin, "", "Origin", e.ts.URL)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
		assert.Contains(t, body, `"code":"not_found"`)
	})
}

// TestKBHitTest: the page and the API say whether and why the assistant
// would answer; hostile questions get clear messages.
func TestKBHitTest(t *testing.T) {
	e, _ := newKBEnv(t)
	staff := e.signIn(t, "tg:renshe")
	for _, tc := range []struct {
		name, q string
		status  int
		want    string
	}{
		{"answered", "六同步机制", 200, "会回答"},
		{"refused", "火星移民政策", 200, "会拒答：知识库中没有检索到任何相关段落"},
		{"empty", "   ", 400, "问题是空的"},
		{"punctuation", "？！。，、?!", 400, "只有标点或符号"},
		{"ten thousand question marks", strings.Repeat("?", 10000), 400, "只有标点或符号"},
		{"mixed scripts", "六同步机制 how Работа 🙂", 200, "会拒答"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.do(t, "GET", "/kb?q="+url.QueryEscape(tc.q), staff, "")
			assert.Equal(t, tc.status, resp.StatusCode)
			assert.Contains(t, body, tc.want)
			assert.Contains(t, body, "内置简报", "the list is still there")

			in, _ := json.Marshal(map[string]string{"question": tc.q})
			resp, body = e.do(t, "POST", "/api/v1/kb/hits", staff, string(in), "Content-Type", "application/json", "Origin", e.ts.URL)
			assert.Equal(t, tc.status, resp.StatusCode, body)
			var out struct {
				Outcome, Reason, Message, Code string
				Hits                           []retrieval.Hit
			}
			require.NoError(t, json.Unmarshal([]byte(body), &out))
			assert.Contains(t, out.Reason+out.Message, strings.TrimPrefix(tc.want, "会回答"))
			if tc.status == 200 {
				assert.NotNil(t, out.Hits)
			}
		})
	}
	t.Run("bad json", func(t *testing.T) {
		resp, body := e.do(t, "POST", "/api/v1/kb/hits", staff, `{"q":1}`, "Content-Type", "application/json", "Origin", e.ts.URL)
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
		assert.Contains(t, body, `question`)
	})
}

func TestKBAPIDocuments(t *testing.T) {
	e, _ := newKBEnv(t)
	tok, err := e.auth.NewToken(context.Background(), "tg:admin")
	require.NoError(t, err)
	auth := []string{"Authorization", "Bearer " + tok}
	resp, body := e.upload(t, "/api/v1/kb/documents", "", []file{{"通知.txt", []byte(goodTXT)}, {"坏.exe", []byte("MZ")}}, auth...)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	var rep struct {
		Files []struct{ File, Name, Status, Message string }
	}
	require.NoError(t, json.Unmarshal([]byte(body), &rep))
	require.Len(t, rep.Files, 2)
	assert.Equal(t, "added", rep.Files[0].Status)
	assert.Equal(t, "upload/通知.txt", rep.Files[0].Name)
	assert.Equal(t, "failed", rep.Files[1].Status)
	assert.Contains(t, rep.Files[1].Message, "不支持")

	resp, body = e.do(t, "GET", "/api/v1/kb/documents", "", "", auth...)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	var list web.KBDocumentList
	require.NoError(t, json.Unmarshal([]byte(body), &list))
	assert.Equal(t, 2, list.Total)
	assert.Equal(t, web.DocumentID("upload/通知.txt"), list.Documents[1].ID)
	assert.Equal(t, "区社工发〔2026〕3号", list.Documents[1].DocNumber)
	assert.Equal(t, "2026-03-01", list.Documents[1].Date)
	assert.NotNil(t, list.Documents[1].Added)

	resp, _ = e.do(t, "GET", "/api/v1/kb/documents", "", "")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "signed in only")
}

// BenchmarkKBPage renders /kb over 1,000 documents (100 a page) for an
// administrator, reporting the server's time and the page's bytes.
func BenchmarkKBPage(b *testing.B) {
	e, kb := newKBEnv(b)
	for i := range 1000 {
		name := fmt.Sprintf("upload/文件%04d.docx", i)
		at := time.Now()
		kb.docs[name] = web.KBDocument{Name: name, Title: fmt.Sprintf("关于做好第%d项新就业群体服务工作的通知", i),
			DocNumber: fmt.Sprintf("区社工发〔2026〕%d号", i), Date: "2026-03-01", Passages: 40, Added: &at}
	}
	srv := web.NewServer(e.auth, e.tickets, viewer, "", nil, web.WithKnowledgeBase(kb))
	sid := e.signIn(b, "tg:admin")
	bytes := 0
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("GET", "/kb", nil)
		req.AddCookie(&http.Cookie{Name: web.CookieName, Value: sid})
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
		bytes = w.Body.Len()
	}
	b.ReportMetric(float64(bytes), "bytes/page")
}
