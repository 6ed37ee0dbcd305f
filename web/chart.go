package web

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The statistics page's charts are inline SVG drawn on the server: this
// file computes their geometry and template/chart.html writes the markup,
// so html/template escapes every label (department and category names come
// from configuration and from demands). Why not a JavaScript chart
// library: the page stays usable without JavaScript and on a 政务内网
// without internet, nothing has to be vendored or kept up to date, a chart
// is a few kilobytes instead of the hundreds of an ECharts build, and a
// browser test can count a chart's <rect> and <circle> elements. What that
// costs — no zooming or hover effects beyond the <title> tooltips — a
// figures page does not need.

// Chart is one drawn chart: an SVG of Width × Height user units, scaled
// to the page's width by CSS.
type Chart struct {
	Name   string // data-chart: departments, trend, categories
	Label  string // aria-label: what the chart shows
	Width  int
	Height int
	Empty  bool // nothing to draw: the chart says 本期暂无数据

	Bars   []Bar    // a bar chart's bars
	Line   string   // a line chart's polyline points "x,y x,y …"
	Points []Point  // a line chart's points
	Grid   []Tick   // horizontal value lines
	XTicks []XLabel // a line chart's labels under the x axis
}

// Bar is one horizontal bar, its label left of it and its value right.
type Bar struct {
	Label         string // shown, clipped
	Title         string // the tooltip: the full label and the value
	Value         string // shown after the bar
	X, Y, W, H    float64
	LabelX, TextY float64
	ValueX        float64
}

// Point is one point of a line chart.
type Point struct {
	X, Y  float64
	Title string
}

// Tick is a horizontal line of a line chart with its value.
type Tick struct {
	Y     float64
	Label string
}

// XLabel is a label under a line chart's x axis.
type XLabel struct {
	X     float64
	Label string
}

// BarItem is what a bar chart draws for one thing.
type BarItem struct {
	Label string
	Value float64
	Shown string // the value as shown after the bar
	Title string // the tooltip
}

// Geometry of the charts, in SVG user units.
const (
	chartWidth = 640
	barRow     = 24  // a bar's row height
	barLabelW  = 140 // the label column
	barValueW  = 70  // room for the value after the longest bar
	labelRunes = 9   // a bar's label is clipped to this many runes
)

// BarChart lays out items as horizontal bars, one per item, longest for
// the largest value. With no item above zero the chart is Empty.
func BarChart(name, label string, items []BarItem) Chart {
	c := Chart{Name: name, Label: label, Width: chartWidth}
	top := 0.0
	for _, it := range items {
		top = math.Max(top, it.Value)
	}
	if top <= 0 {
		c.Empty, c.Height = true, 60
		return c
	}
	span := float64(chartWidth - barLabelW - barValueW)
	for i, it := range items {
		y := float64(i*barRow) + 4
		w := math.Max(it.Value, 0) / top * span
		c.Bars = append(c.Bars, Bar{Label: clip(it.Label, labelRunes), Title: it.Title, Value: it.Shown,
			X: barLabelW, Y: y, W: round1(w), H: barRow - 8,
			LabelX: barLabelW - 6, TextY: y + barRow/2 + 1, ValueX: round1(barLabelW + w + 5)})
	}
	c.Height = len(items)*barRow + 8
	return c
}

// LineItem is one point of a line chart: its x label and value.
type LineItem struct {
	Label string
	Value float64
	Title string
}

// Geometry of the line chart.
const (
	lineHeight = 220
	lineLeft   = 48 // room for the value labels
	lineRight  = 16
	lineTop    = 12
	lineBottom = 28 // room for the month labels
)

// LineChart lays out items as a line from left to right over a value axis
// from 0 to a round maximum. With no item above zero the chart is Empty.
func LineChart(name, label string, items []LineItem) Chart {
	c := Chart{Name: name, Label: label, Width: chartWidth, Height: lineHeight}
	top := 0.0
	for _, it := range items {
		top = math.Max(top, it.Value)
	}
	if top <= 0 || len(items) == 0 {
		c.Empty, c.Height = true, 60
		return c
	}
	top = niceCeil(top)
	plotW := float64(chartWidth - lineLeft - lineRight)
	plotH := float64(lineHeight - lineTop - lineBottom)
	step := plotW
	if len(items) > 1 {
		step = plotW / float64(len(items)-1)
	}
	y := func(v float64) float64 { return round1(lineTop + plotH - v/top*plotH) }
	for _, v := range []float64{0, top / 2, top} {
		c.Grid = append(c.Grid, Tick{Y: y(v), Label: formatCount(v)})
	}
	var pts []string
	for i, it := range items {
		x := round1(lineLeft + float64(i)*step)
		if len(items) == 1 {
			x = round1(lineLeft + plotW/2)
		}
		p := Point{X: x, Y: y(it.Value), Title: it.Title}
		c.Points = append(c.Points, p)
		pts = append(pts, fmt.Sprintf("%g,%g", p.X, p.Y))
		c.XTicks = append(c.XTicks, XLabel{X: x, Label: it.Label})
	}
	c.Line = strings.Join(pts, " ")
	return c
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// formatCount writes a count without decimals.
func formatCount(v float64) string { return strconv.FormatFloat(math.Round(v), 'f', -1, 64) }

func round1(f float64) float64 { return math.Round(f*10) / 10 }

// MidX is the chart's horizontal middle.
func (c Chart) MidX() int { return c.Width / 2 }

// PlotLeft and PlotRight are where a line chart's plot begins and ends.
func (c Chart) PlotLeft() int  { return lineLeft }
func (c Chart) PlotRight() int { return c.Width - lineRight }

// AxisX is where the value labels of a line chart end.
func (c Chart) AxisX() int { return lineLeft - 6 }

// XLabelY is the baseline of the labels under a line chart.
func (c Chart) XLabelY() int { return c.Height - 8 }
