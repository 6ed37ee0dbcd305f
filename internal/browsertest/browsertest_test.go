package browsertest_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"

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
}
