package browsertest_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/internal/browsertest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	browsertest.CloseShared()
	os.Exit(code)
}

// TestBrowser opens a page and reads it back: the browser starts, runs
// headless on loopback and reports the DOM.
func TestBrowser(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><meta name="viewport" content="width=device-width"><title>测试</title><style>body{margin:0}</style><p id="p">工单 2</p><p>办结</p><div style="width:2000px">宽</div>`))
	}))
	defer ts.Close()
	ctx := browsertest.Shared(t).Tab(t)
	assert.EqualValues(t, http.StatusOK, browsertest.Open(t, ctx, ts.URL))
	assert.Equal(t, "工单 2", browsertest.Text(t, ctx, "#p"))
	assert.Equal(t, []string{"工单 2", "办结"}, browsertest.Texts(t, ctx, "p"))
	assert.Equal(t, 2000-browsertest.OfficeWidth, browsertest.Overflow(t, ctx))
	png := browsertest.Run(t, ctx, chromedp.CaptureScreenshot())
	assert.Equal(t, "\x89PNG", string(png[:4]))
	assert.Empty(t, browsertest.PageErrors(ctx))
}

// TestPageErrors records a page's uncaught exception and console.error.
func TestPageErrors(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><p id="done">图表</p><script>console.error("画图失败", 3); undefinedChart.draw();</script>`))
	}))
	defer ts.Close()
	ctx := browsertest.Shared(t).Tab(t)
	browsertest.Open(t, ctx, ts.URL)
	assert.Eventually(t, func() bool { return len(browsertest.PageErrors(ctx)) == 2 }, 5*time.Second, 10*time.Millisecond)
	errs := browsertest.PageErrors(ctx)
	require.Len(t, errs, 2)
	assert.Contains(t, errs[0], "画图失败")
	assert.Contains(t, errs[1], "undefinedChart is not defined")
}
