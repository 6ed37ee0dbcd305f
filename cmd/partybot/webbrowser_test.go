package main

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/internal/browsertest"
)

// The 知识库 page in Chromium over the real knowledge base, as "partybot
// web" serves it: only the command wires the assistant's knowledge base to
// the console (webKB). See web/browser_test.go for the other pages.

// signIn opens a tab of b signed in as user by a link of "partybot web
// link" to next, on the console c.
func (c *console) signIn(t *testing.T, b *browsertest.Browser, dir, cfg, user, next string) context.Context {
	t.Helper()
	link, err := url.Parse(lastLine(must(webCLI(t, dir, cfg, "link", "--user", user, "--next", next))))
	require.NoError(t, err)
	ctx := b.Tab(t)
	require.EqualValues(t, http.StatusOK, browsertest.Open(t, ctx, c.base+link.RequestURI()))
	return ctx
}

// writeFiles writes the files (name → content) to a new directory and
// returns their paths.
func writeFiles(t *testing.T, files ...[2]string) []string {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for _, f := range files {
		p := filepath.Join(dir, f[0])
		require.NoError(t, os.WriteFile(p, []byte(f[1]), 0o600))
		paths = append(paths, p)
	}
	return paths
}

// hitRow is a row of the 命中测试's passages, as shown.
type hitRow struct {
	Rank, Score, Coverage, Source string
}

// hitRows returns the 命中测试's passages.
func hitRows(t *testing.T, ctx context.Context) []hitRow {
	t.Helper()
	return browsertest.Run(t, ctx, chromedp.Evaluate[[]hitRow](`Array.from(document.querySelectorAll("table.hits tbody tr"), r => ({
		Rank: r.cells[0].textContent.trim(), Score: r.cells[1].textContent.trim(),
		Coverage: r.cells[2].textContent.trim(), Source: r.cells[3].textContent.trim()}))`))
}

// hitTest types q into the 命中测试 form and sends it.
func hitTest(t *testing.T, ctx context.Context, q string) {
	t.Helper()
	browsertest.Do(t, ctx, chromedp.SetValue(chromedp.CSS(`form.hit input[name=q]`), q))
	require.EqualValues(t, http.StatusOK, browsertest.Click(t, ctx, "form.hit button[type=submit]"))
}

// TestBrowserKB runs "partybot web" over a real knowledge base in a new
// data directory: an administrator uploads documents through the form and
// reads the per-file report, finds the document in the list, runs the 命中
// 测试 (the ranked passages and "will answer"; a question nothing answers
// and why it is refused) and removes the document after confirming;
// department staff see no upload form.
func TestBrowserKB(t *testing.T) {
	b := browsertest.New(t)
	dir, cfg := t.TempDir(), writeConfig(t, webConfig)
	c := startConsole(t, dir, cfg)
	const (
		txt      = "中共某区委社会工作部文件\n区社工发〔2026〕7号\n关于在商圈设立骑手暖心驿站的通知\n\n各街道：\n骑手暖心驿站应当配备饮水机、微波炉和充电柜，每日开放时间为早八点至晚十点。\n\n2026年3月9日\n"
		title    = "关于在商圈设立骑手暖心驿站的通知"
		answered = "骑手暖心驿站的开放时间是几点？"
	)
	ctx := c.signIn(t, b, dir, cfg, "9", "/kb")
	assert.Equal(t, "知识库", browsertest.Text(t, ctx, "h1"))

	browsertest.Do(t, ctx, chromedp.SetUploadFiles(chromedp.CSS(`form.upload input[type=file]`),
		writeFiles(t, [2]string{"驿站.txt", txt}, [2]string{"照片.png", "\x89PNG"})))
	require.EqualValues(t, http.StatusOK, browsertest.Click(t, ctx, "form.upload button[type=submit]"))
	report := browsertest.Texts(t, ctx, "#report tbody tr")
	require.Len(t, report, 2, "a row per file")
	assert.Regexp(t, `^驿站.txt\s+新增\s+已加入知识库。`, report[0])
	assert.Regexp(t, `^照片.png\s+失败\s+\S`, report[1])
	assert.Contains(t, browsertest.Text(t, ctx, "#report p"), "新增 1，更新 0，未变 0，重复 0，失败 1。")

	browsertest.Do(t, ctx, chromedp.SetValue(chromedp.CSS(`#docs input[name=doc]`), "驿站"))
	require.EqualValues(t, http.StatusOK, browsertest.Click(t, ctx, "#docs form button[type=submit]"))
	docs := browsertest.Texts(t, ctx, "#docs tbody tr")
	require.Len(t, docs, 1)
	for _, want := range []string{title, "upload/驿站.txt", "区社工发〔2026〕7号", "2026-03-09", "移除…"} {
		assert.Contains(t, docs[0], want)
	}

	t.Run("hit test", func(t *testing.T) {
		hitTest(t, ctx, answered)
		assert.Contains(t, browsertest.Text(t, ctx, ".verdict.answered strong"), "会回答")
		box := browsertest.Run(t, ctx, chromedp.Evaluate[float64](`document.querySelector("form.hit input[name=q]").getBoundingClientRect().height`))
		assert.Less(t, box, 50.0, "the question box is a line high")
		rows := hitRows(t, ctx)
		require.NotEmpty(t, rows)
		assert.Contains(t, rows[0].Source, "upload/驿站.txt", "the document ranks first")
		for i, r := range rows {
			assert.Equal(t, strconv.Itoa(i+1), r.Rank)
			score, err := strconv.ParseFloat(r.Score, 64)
			require.NoError(t, err, r.Score)
			assert.Positive(t, score, "rank %s", r.Rank)
			_, err = strconv.ParseFloat(r.Coverage, 64)
			assert.NoError(t, err, r.Coverage)
		}
		browsertest.Screenshot(t, ctx, "kb")

		hitTest(t, ctx, "火星殖民地的签证怎么办理？")
		assert.Equal(t, "会拒答", browsertest.Text(t, ctx, ".verdict.refused strong"))
		assert.Regexp(t, `^会拒答：.+`, browsertest.Text(t, ctx, ".verdict p"), "why")
	})
	t.Run("phone", func(t *testing.T) {
		hitTest(t, ctx, answered)
		browsertest.Resize(t, ctx, browsertest.PhoneWidth, browsertest.PhoneHeight, true)
		assert.Zero(t, browsertest.Overflow(t, ctx), "the 知识库 scrolls sideways on a phone")
		browsertest.Resize(t, ctx, browsertest.OfficeWidth, browsertest.OfficeHeight, false)
	})
	t.Run("remove", func(t *testing.T) {
		browsertest.Open(t, ctx, c.base+"/kb?doc="+url.QueryEscape("驿站"))
		require.EqualValues(t, http.StatusOK, browsertest.Click(t, ctx, `#docs a[href$="/remove"]`))
		assert.Equal(t, "移除文档", browsertest.Text(t, ctx, "h1"))
		browsertest.Do(t, ctx, chromedp.Click(chromedp.CSS(`input[name=confirm]`)))
		require.EqualValues(t, http.StatusOK, browsertest.Click(t, ctx, `form[action$="/remove"] button[type=submit]`))
		assert.Equal(t, "已从知识库移除“"+title+"”。", browsertest.Text(t, ctx, ".flash"))
		hitTest(t, ctx, answered)
		for _, r := range hitRows(t, ctx) {
			assert.NotContains(t, r.Source, "upload/驿站.txt", "removed")
		}
	})
	assert.Empty(t, browsertest.PageErrors(ctx))

	t.Run("staff", func(t *testing.T) {
		ctx := c.signIn(t, b, dir, cfg, "5", "/kb")
		assert.Equal(t, "知识库", browsertest.Text(t, ctx, "h1"))
		assert.Empty(t, browsertest.Texts(t, ctx, "form.upload"), "no upload form")
		assert.Empty(t, browsertest.Texts(t, ctx, `#docs a[href$="/remove"]`), "nothing to remove")
		hitTest(t, ctx, "怎样落实“六同步”机制？")
		assert.NotEmpty(t, hitRows(t, ctx), "the hit test is everyone's")
		assert.Empty(t, browsertest.PageErrors(ctx))
	})
}
