package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/internal/browsertest"
	"partybot/tickets"
)

// setBack is a ticket store's clock that a test sets back to file
// demands in an earlier month; by default it is the time now.
type setBack struct{ by atomic.Int64 }

func (c *setBack) now() time.Time { return time.Now().Add(-time.Duration(c.by.Load())) }

// to sets the clock to t; a zero t sets it to the time now again.
func (c *setBack) to(t time.Time) {
	if t.IsZero() {
		c.by.Store(0)
		return
	}
	c.by.Store(int64(time.Since(t)))
}

// statsRows returns the statistics table's rows, the total's last, each
// as its cells' text.
func statsRows(t *testing.T, ctx context.Context) [][]string {
	t.Helper()
	return browsertest.Run(t, ctx, chromedp.Evaluate[[][]string](`Array.from(document.querySelectorAll("table.stats tbody tr"),
		r => Array.from(r.cells, c => c.textContent.trim()))`))
}

// received returns the 受理量 of each row of the statistics table, by
// department name.
func received(t *testing.T, ctx context.Context) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, row := range statsRows(t, ctx) {
		require.GreaterOrEqual(t, len(row), 2, "a row %q", row)
		n, err := strconv.Atoi(row[1])
		require.NoError(t, err, "受理量 of %q", row)
		out[row[0]] = n
	}
	return out
}

// figure returns the figure named label above the table (受理量, 响应率 …).
func figure(t *testing.T, ctx context.Context, label string) string {
	t.Helper()
	return browsertest.Run(t, ctx, chromedp.Evaluate[string](fmt.Sprintf(`(() => {
		for (const li of document.querySelectorAll("ul.figures li"))
			if (li.querySelector("span").textContent.trim() === %q) return li.querySelector("strong").textContent.trim();
		return "";
	})()`, label)))
}

// drawn is what the browser drew of a chart of the statistics page.
type drawn struct {
	Width, Height float64 // on the page, in CSS pixels
	Bars          []bar   // its <rect>s
	Points        int     // its <polyline>'s points
	Circles       []string
	Empty         bool // it says 本期暂无数据
}

// bar is a bar of a chart: its tooltip and drawn width.
type bar struct {
	Title string
	Width float64
}

// drawnChart returns what the browser drew of the chart svg.chart[data-chart=name].
func drawnChart(t *testing.T, ctx context.Context, name string) drawn {
	t.Helper()
	return browsertest.Run(t, ctx, chromedp.Evaluate[drawn](fmt.Sprintf(`(() => {
		const c = document.querySelector('svg.chart[data-chart="%s"]');
		if (!c) return {};
		const box = c.getBoundingClientRect(), line = c.querySelector("polyline");
		return {Width: box.width, Height: box.height,
			Bars: Array.from(c.querySelectorAll("rect"), r => ({Title: r.querySelector("title").textContent, Width: r.getBBox().width})),
			Points: line ? line.points.numberOfItems : 0,
			Circles: Array.from(c.querySelectorAll("circle"), p => p.querySelector("title").textContent),
			Empty: !!c.querySelector("text.empty")};
	})()`, name)))
}

// nonzero returns the titles of the bars drawn wider than nothing.
func (d drawn) nonzero() []string {
	var out []string
	for _, b := range d.Bars {
		if b.Width > 0 {
			out = append(out, b.Title)
		}
	}
	return out
}

// TestBrowserStats opens 统计 as an administrator for this month and for
// an earlier one chosen in the form: the table's figures, the three charts
// drawn from them, no script errors, and a phone's width; then as a
// department's staff, who see their department's row only.
func TestBrowserStats(t *testing.T) {
	clock := &setBack{}
	e, _ := newBrowserEnv(t, tickets.WithClock(clock.now))
	names := map[string]string{}
	for _, d := range e.tickets.Departments() {
		names[d.Key] = d.Name
	}
	// Three demands two months ago, beside this month's ten.
	loc := e.tickets.Location()
	now := time.Now().In(loc)
	earlier := time.Date(now.Year(), now.Month()-2, 15, 10, 0, 0, 0, loc)
	clock.to(earlier)
	for _, d := range []tickets.NewTicket{
		{Text: "工地欠薪", Summary: "工地欠薪", Department: "renshe", SubmitterName: "居民", Category: "劳动保障"},
		{Text: "失业金申领", Summary: "失业金申领咨询", Department: "renshe", SubmitterName: "居民", Category: "社会保障"},
		{Text: "井盖松动", Summary: "井盖松动", Department: "zhujian", SubmitterName: "居民", Category: "市政设施"},
	} {
		e.create(t, d)
	}
	clock.to(time.Time{})

	ctx := e.tab(t, "tg:admin", "/stats")
	t.Run("this month", func(t *testing.T) {
		assert.Equal(t, "10", figure(t, ctx, "受理量"))
		got := received(t, ctx)
		assert.Len(t, got, len(names)+1, "a row per department and the total")
		for key, n := range map[string]int{"renshe": 2, "sifa": 2, "minzheng": 2, "zhujian": 1, "yingji": 1, "jiaoyu": 1, "weijian": 1, "shegong": 0} {
			assert.Equal(t, n, got[names[key]], key)
		}
		assert.Equal(t, 10, got["合计"])

		depts := drawnChart(t, ctx, "departments")
		assert.Positive(t, depts.Width)
		assert.Len(t, depts.Bars, len(names), "a bar per department")
		assert.Len(t, depts.nonzero(), 7, "drawn for the departments with demands")
		assert.Contains(t, strings.Join(depts.nonzero(), "\n"), names["renshe"]+"：受理 2 件，", "the tooltip")
		trend := drawnChart(t, ctx, "trend")
		assert.Positive(t, trend.Height)
		assert.Equal(t, 12, trend.Points)
		require.Len(t, trend.Circles, 12)
		assert.Contains(t, trend.Circles[11], fmt.Sprintf("%d年%d月：受理 10 件", now.Year(), int(now.Month())))
		assert.Contains(t, trend.Circles[9], fmt.Sprintf("%d年%d月：受理 3 件", earlier.Year(), int(earlier.Month())))
		cats := drawnChart(t, ctx, "categories")
		assert.Positive(t, cats.Width)
		assert.Contains(t, cats.nonzero(), "矛盾调解：2 件")
		assert.Len(t, cats.Bars, 9, "a bar per category")
		browsertest.Screenshot(t, ctx, "stats")
		browsertest.Do(t, ctx, chromedp.ScrollIntoView(chromedp.CSS(".charts")))
		browsertest.Screenshot(t, ctx, "stats-charts")
		browsertest.Do(t, ctx, chromedp.Evaluate[chromedp.Void]("window.scrollTo(0, 0)"))
	})
	t.Run("period", func(t *testing.T) {
		from, to := earlier.AddDate(0, 0, -14), earlier.AddDate(0, 1, -15)
		browsertest.Do(t, ctx,
			chromedp.SetValue(chromedp.CSS(`input[name=from]`), from.Format(time.DateOnly)),
			chromedp.SetValue(chromedp.CSS(`input[name=to]`), to.Format(time.DateOnly)))
		require.EqualValues(t, http.StatusOK, browsertest.Click(t, ctx, "form.filters button[type=submit]"))
		assert.Contains(t, browsertest.Text(t, ctx, "h1"), from.Format(time.DateOnly)+" 至 "+to.Format(time.DateOnly))
		assert.Equal(t, "3", figure(t, ctx, "受理量"))
		got := received(t, ctx)
		assert.Equal(t, 2, got[names["renshe"]])
		assert.Equal(t, 1, got[names["zhujian"]])
		assert.Equal(t, 0, got[names["sifa"]])
		assert.Equal(t, 3, got["合计"])
		assert.Len(t, drawnChart(t, ctx, "departments").nonzero(), 2)
		assert.ElementsMatch(t, []string{"劳动保障：1 件", "社会保障：1 件", "市政设施：1 件"}, drawnChart(t, ctx, "categories").nonzero())
		trend := drawnChart(t, ctx, "trend")
		require.Len(t, trend.Circles, 12, "the twelve months up to the period's")
		assert.Contains(t, trend.Circles[11], fmt.Sprintf("%d年%d月：受理 3 件", earlier.Year(), int(earlier.Month())))
	})
	t.Run("phone", func(t *testing.T) {
		browsertest.Resize(t, ctx, browsertest.PhoneWidth, browsertest.PhoneHeight, true)
		assert.Zero(t, browsertest.Overflow(t, ctx), "the statistics scroll sideways on a phone")
		assert.Positive(t, drawnChart(t, ctx, "trend").Width)
	})
	assert.Empty(t, browsertest.PageErrors(ctx))

	t.Run("staff", func(t *testing.T) {
		ctx := e.tab(t, "tg:renshe", "/stats")
		assert.Equal(t, map[string]int{names["renshe"]: 2, "合计": 2}, received(t, ctx), "their department's row only")
		assert.Len(t, drawnChart(t, ctx, "departments").Bars, 1)
		assert.Empty(t, browsertest.PageErrors(ctx))
	})
}
