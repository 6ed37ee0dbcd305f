// Package browsertest runs a headless Chromium for the console's browser
// tests, through chromedp. It finds the browser at $PARTYBOT_CHROMIUM or
// /usr/bin/chromium (Debian's package, which .ci/run installs). Without
// one a test is skipped with a message; under CI=true it fails instead,
// since CI must test in a real browser.
//
// One browser serves every test of a test binary ([Shared]); each test
// opens its own tabs in a browser context of their own ([Browser.Tab]), so
// cookies do not leak between tests.
package browsertest

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Environment variables.
const (
	// EnvBrowser names the browser to use instead of /usr/bin/chromium.
	EnvBrowser = "PARTYBOT_CHROMIUM"
	// EnvScreenshots names a directory: when set, [Screenshot] writes its
	// PNGs there.
	EnvScreenshots = "PARTYBOT_SCREENSHOTS"
)

// Viewport sizes.
const (
	// OfficeWidth × OfficeHeight is an office screen, the tabs' size.
	OfficeWidth, OfficeHeight = 1366, 768
	// PhoneWidth × PhoneHeight is a phone's screen.
	PhoneWidth, PhoneHeight = 390, 844
)

// TabTimeout bounds everything a tab does: a test that waits for a page
// that never comes fails after it instead of hanging.
const TabTimeout = 60 * time.Second

// Path returns the browser to run: $PARTYBOT_CHROMIUM, /usr/bin/chromium,
// or chromium or chromium-browser on PATH. Returns "" when there is none.
func Path() string {
	if p := os.Getenv(EnvBrowser); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Require returns the browser's path. Without one it skips tb, or fails
// it under CI=true.
func Require(tb testing.TB) string {
	tb.Helper()
	if p := Path(); p != "" {
		return p
	}
	const msg = "browser tests need Chromium: apt-get install chromium, or set " + EnvBrowser + " to a Chromium or Chrome binary; .ci/run installs it"
	if os.Getenv("CI") == "true" {
		tb.Fatal("CI=true: " + msg)
	}
	tb.Skip("skipped: " + msg)
	return ""
}

// Flags are the browser's command-line options: headless, and quiet on a
// closed network (no background requests to Google's hosts, no QUIC, no
// component updates or sync); --no-sandbox so that it runs as root in CI.
func Flags(path, userDataDir string) []chromedp.ExecAllocatorOption {
	return append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(userDataDir),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.WindowSize(OfficeWidth, OfficeHeight),
	)
}

// Browser is a running headless Chromium.
type Browser struct {
	ctx    context.Context // the browser's own first tab
	cancel func()
	dir    string
}

// Start starts the browser at path with a new profile directory. Close
// stops it and removes the directory.
func Start(path string) (*Browser, error) {
	dir, err := os.MkdirTemp("", "partybot-chromium-")
	if err != nil {
		return nil, fmt.Errorf("start browser: %w", err)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), Flags(path, dir)...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	b := &Browser{ctx: ctx, dir: dir, cancel: func() { cancelCtx(); cancelAlloc() }}
	// The first action starts the browser, which lives as long as the
	// context of that action: ctx, not one with a deadline.
	slow := time.AfterFunc(TabTimeout, b.cancel)
	err = chromedp.Do(ctx, chromedp.Navigate("about:blank"))
	if !slow.Stop() {
		err = fmt.Errorf("no answer within %v", TabTimeout)
	}
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("start browser %s: %w", path, err)
	}
	return b, nil
}

// Close stops the browser and removes its profile.
func (b *Browser) Close() {
	b.cancel()
	os.RemoveAll(b.dir)
}

// New starts a browser for tb alone, stopped when tb ends (see [Require]
// for when it skips). Prefer [Shared] where a package has many browser
// tests and a TestMain to stop it.
func New(tb testing.TB) *Browser {
	tb.Helper()
	b, err := Start(Require(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(b.Close)
	return b
}

var (
	sharedOnce sync.Once
	shared     *Browser
	sharedErr  error
)

// Shared returns the test binary's browser, started by the first call
// (see [Require] for when it skips). Call [CloseShared] from TestMain
// after the tests; the browser is killed anyway when the binary exits.
func Shared(tb testing.TB) *Browser {
	tb.Helper()
	path := Require(tb)
	sharedOnce.Do(func() { shared, sharedErr = Start(path) })
	if sharedErr != nil {
		tb.Fatal(sharedErr)
	}
	return shared
}

// CloseShared stops the browser of [Shared], if it was started.
func CloseShared() {
	if shared != nil {
		shared.Close()
	}
}

// Tab opens a tab of an office screen's size in a new browser context
// (its own cookies), closed when tb ends. Run chromedp actions in the
// returned context; they fail after [TabTimeout]. The tab records the
// script errors of its pages ([PageErrors]).
func (b *Browser) Tab(tb testing.TB) context.Context {
	tb.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	ctx, cancelTimeout := context.WithTimeout(ctx, TabTimeout)
	tb.Cleanup(func() { cancelTimeout(); cancel() })
	errs := &pageErrors{}
	ctx = context.WithValue(ctx, pageErrorsKey{}, errs)
	Do(tb, ctx, chromedp.EmulateViewport(OfficeWidth, OfficeHeight))
	if err := chromedp.Listen(ctx, errs.record); err != nil {
		tb.Fatalf("browser: %v", err)
	}
	return ctx
}

// pageErrors are the script errors of a tab's pages: uncaught exceptions
// and console.error calls.
type pageErrors struct {
	mu   sync.Mutex
	msgs []string
}

type pageErrorsKey struct{}

// record is the tab's event listener; it runs in chromedp's read loop.
func (p *pageErrors) record(ev any) {
	var msg string
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		msg = ev.ExceptionDetails.Text
		if e := ev.ExceptionDetails.Exception; e != nil && e.Description != "" {
			msg += " " + e.Description
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type != runtime.ConsoleAPICalledTypeError {
			return
		}
		msg = "console.error:"
		for _, a := range ev.Args {
			msg += " " + argText(a)
		}
	default:
		return
	}
	p.mu.Lock()
	p.msgs = append(p.msgs, msg)
	p.mu.Unlock()
}

// argText is how console.error shows its argument a.
func argText(a *runtime.RemoteObject) string {
	var s string
	if json.Unmarshal(a.Value, &s) == nil {
		return s
	}
	return cmp.Or(a.Description, string(a.Value))
}

// PageErrors returns the script errors (uncaught exceptions and
// console.error calls) of the pages the tab ctx of [Browser.Tab] has shown
// so far. A page whose charts or forms work shows none.
func PageErrors(ctx context.Context) []string {
	p, _ := ctx.Value(pageErrorsKey{}).(*pageErrors)
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.msgs)
}

// Do runs the actions in the tab ctx and stops tb on an error.
func Do(tb testing.TB, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	tb.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.Fatalf("browser: %v", err)
	}
}

// Run runs the action in the tab ctx, returns its value, and stops tb on
// an error.
func Run[T any](tb testing.TB, ctx context.Context, action chromedp.Action[T]) T {
	tb.Helper()
	v, err := chromedp.Run(ctx, action)
	if err != nil {
		tb.Fatalf("browser: %v", err)
	}
	return v
}

// Open navigates the tab ctx to url, waits for the page, and returns its
// HTTP status.
func Open(tb testing.TB, ctx context.Context, url string) int64 {
	tb.Helper()
	resp := Run(tb, ctx, chromedp.NavigateResponse(url))
	return resp.Status
}

// Click clicks the element sel (a form's button, a link), waits for the
// page it leads to, and returns that page's HTTP status.
func Click(tb testing.TB, ctx context.Context, sel string) int64 {
	tb.Helper()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		tb.Fatalf("browser: click %s: %v", sel, err)
	}
	return resp.Status
}

// Text returns the text of the first element sel matches, trimmed.
func Text(tb testing.TB, ctx context.Context, sel string) string {
	tb.Helper()
	return strings.TrimSpace(Run(tb, ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeReady)))
}

// Texts returns the text of every element sel matches (none: empty), in
// document order, each trimmed. It does not wait for sel to appear.
func Texts(tb testing.TB, ctx context.Context, sel string) []string {
	tb.Helper()
	return Run(tb, ctx, chromedp.Evaluate[[]string](fmt.Sprintf(
		`Array.from(document.querySelectorAll(%q), e => e.innerText.trim())`, sel)))
}

// Resize sets the tab's viewport to width × height, as a phone when
// mobile, and reloads the page so that it lays out as it would have on
// that screen. The reload repeats the page's request: use it on pages
// that a GET shows.
func Resize(tb testing.TB, ctx context.Context, width, height int64, mobile bool) {
	tb.Helper()
	var opts []chromedp.EmulateViewportOption
	if mobile {
		opts = append(opts, chromedp.EmulateMobile)
	}
	Do(tb, ctx, chromedp.EmulateViewport(width, height, opts...), chromedp.Reload())
}

// Overflow returns by how many CSS pixels the page is wider than the
// viewport (0: it fits, no horizontal scrolling). The viewport is the
// layout viewport (clientWidth) too, as a phone zooms out to show a page
// wider than itself, and its innerWidth grows with it.
func Overflow(tb testing.TB, ctx context.Context) int {
	tb.Helper()
	return Run(tb, ctx, chromedp.Evaluate[int](`(() => {
		const d = document.documentElement;
		return Math.max(0, d.scrollWidth - Math.min(window.innerWidth, d.clientWidth));
	})()`))
}

// Screenshot takes a PNG of the tab's viewport. When $PARTYBOT_SCREENSHOTS
// names a directory it also writes it there as name.png; a relative
// directory is taken from the module's root (where go.mod is), not from
// the package's directory the test runs in.
func Screenshot(tb testing.TB, ctx context.Context, name string) []byte {
	tb.Helper()
	png := Run(tb, ctx, chromedp.CaptureScreenshot())
	if dir := os.Getenv(EnvScreenshots); dir != "" {
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(moduleRoot(), dir)
		}
		if err := writeFile(filepath.Join(dir, name+".png"), png); err != nil {
			tb.Fatal(err)
		}
		tb.Logf("screenshot %s.png: %d bytes", name, len(png))
	}
	return png
}

func writeFile(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	return nil
}

// moduleRoot returns the nearest directory at or above the working
// directory that holds go.mod, or the working directory when none does.
func moduleRoot() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		if filepath.Dir(dir) == dir {
			return wd
		}
	}
}
