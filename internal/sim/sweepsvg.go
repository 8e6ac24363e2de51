package sim

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// The layout of a sweep's chart, in pixels.
const (
	sweepWidth     = 1000
	sweepPlotLeft  = 70
	sweepPlotWidth = 390
	sweepPlotGap   = 90 // between the two plots of a row
	sweepPlotH     = 220
	sweepRowH      = 300 // a row: its title, two plots, their x axes
	sweepTop       = 116 // above the first row: the title and the legend
)

// WriteSweepSVG draws the runs of a sweep as a standalone SVG image: the
// calls per request (the load amplification) and the success rate of each
// policy, against the failure probability if it was swept, one row of two
// plots per offered load, or else against the offered load.
func WriteSweepSVG(w io.Writer, points []Point) error {
	bw := bufio.NewWriter(w)
	if len(points) == 0 {
		return fmt.Errorf("sim: no runs to draw")
	}
	sc := points[0].Scenario
	var policies []string
	for _, p := range points {
		if !slices.Contains(policies, p.Policy) {
			policies = append(policies, p.Policy)
		}
	}
	byFail := distinct(points, func(p Point) float64 { return p.Fail }) > 1
	xOf, xName := func(p Point) float64 { return p.Load }, "offered load (requests/s)"
	rowOf := func(Point) float64 { return 0 }
	if byFail {
		xOf, xName = func(p Point) float64 { return p.Fail }, "probability that a call fails"
		rowOf = func(p Point) float64 { return p.Load }
	}
	var rows []float64
	for _, p := range points {
		if v := rowOf(p); !containsFloat(rows, v) {
			rows = append(rows, v)
		}
	}
	height := sweepTop + len(rows)*sweepRowH
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif" font-size="13">`+"\n",
		sweepWidth, height, sweepWidth, height)
	fmt.Fprintf(bw, `<rect width="%d" height="%d" fill="white"/>`+"\n", sweepWidth, height)
	fmt.Fprintf(bw, `<text x="%d" y="28" font-size="18" font-weight="bold">%s: load amplification and success by retry policy</text>`+"\n", sweepPlotLeft, esc(sc.Name))
	for i, line := range sweepDoc(sc, byFail) {
		fmt.Fprintf(bw, `<text x="%d" y="%d" fill="#444">%s</text>`+"\n", sweepPlotLeft, 50+18*i, esc(line))
	}
	lx := sweepPlotLeft
	for i, pol := range policies {
		fmt.Fprintf(bw, `<line x1="%d" x2="%d" y1="96" y2="96" stroke="%s" stroke-width="3"/>`+"\n", lx, lx+22, color(pol, i))
		fmt.Fprintf(bw, `<text x="%d" y="100">%s</text>`+"\n", lx+28, esc(pol))
		lx += 40 + 8*len(pol)
	}
	for i, rv := range rows {
		top := sweepTop + i*sweepRowH
		var in []Point
		for _, p := range points {
			if rowOf(p) == rv {
				in = append(in, p)
			}
		}
		title := ""
		if byFail {
			title = fmt.Sprintf("offered load %s requests/s", g(rv))
		}
		peak := 1.0
		for _, p := range in {
			peak = max(peak, p.Amplification)
		}
		left := sweepPlotLeft
		drawSweepPlot(bw, in, policies, left, top, title, xOf, xName, "calls per request",
			axis{lo: 0, hi: niceCeil(peak * 1.05)}, func(p Point) float64 { return p.Amplification })
		drawSweepPlot(bw, in, policies, left+sweepPlotWidth+sweepPlotGap, top, "", xOf, xName, "success (%)",
			axis{lo: 0, hi: 100}, func(p Point) float64 { return 100 * p.SuccessRate })
	}
	fmt.Fprintln(bw, "</svg>")
	return bw.Flush()
}

// drawSweepPlot draws one plot of a sweep's chart: yOf of each point
// against xOf, a line per policy, on y (whose pixels it sets).
func drawSweepPlot(w io.Writer, points []Point, policies []string, left, top int, title string,
	xOf func(Point) float64, xName, yName string, y axis, yOf func(Point) float64) {
	if title != "" {
		fmt.Fprintf(w, `<text x="%d" y="%d" font-size="15" font-weight="bold">%s</text>`+"\n", left, top+20, esc(title))
	}
	plotTop := float64(top + 36)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range points {
		lo, hi = min(lo, xOf(p)), max(hi, xOf(p))
	}
	if hi <= lo {
		lo, hi = lo-1, hi+1
	}
	x := axis{lo: lo, hi: hi, p0: float64(left), p1: float64(left + sweepPlotWidth)}
	y.p0, y.p1 = plotTop+sweepPlotH, plotTop
	for _, v := range y.ticks() {
		py := y.px(v)
		fmt.Fprintf(w, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#e6e6e6"/>`+"\n", left, left+sweepPlotWidth, py, py)
		fmt.Fprintf(w, `<text x="%d" y="%.1f" text-anchor="end" fill="#333">%s</text>`+"\n", left-6, py+4, number(v))
	}
	for _, v := range x.ticks() {
		px := x.px(v)
		fmt.Fprintf(w, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#333"/>`+"\n", px, px, plotTop+sweepPlotH, plotTop+sweepPlotH+4)
		fmt.Fprintf(w, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#333">%s</text>`+"\n", px, plotTop+sweepPlotH+18, number(v))
	}
	fmt.Fprintf(w, `<rect x="%d" y="%.1f" width="%d" height="%d" fill="none" stroke="#333"/>`+"\n", left, plotTop, sweepPlotWidth, sweepPlotH)
	fmt.Fprintf(w, `<text x="%d" y="%.1f" text-anchor="middle" fill="#333">%s</text>`+"\n", left+sweepPlotWidth/2, plotTop+sweepPlotH+36, esc(xName))
	fmt.Fprintf(w, `<text transform="translate(%d %.1f) rotate(-90)" text-anchor="middle" fill="#333">%s</text>`+"\n", left-46, plotTop+sweepPlotH/2, esc(yName))
	for i := len(policies) - 1; i >= 0; i-- {
		var pts strings.Builder
		for _, p := range points {
			if p.Policy == policies[i] {
				fmt.Fprintf(&pts, "%.1f,%.1f ", x.px(xOf(p)), y.px(yOf(p)))
			}
		}
		fmt.Fprintf(w, `<polyline fill="none" stroke="%s" stroke-width="2.2" stroke-linejoin="round" points="%s"><title>%s</title></polyline>`+"\n",
			color(policies[i], i), strings.TrimSpace(pts.String()), esc(policies[i]))
	}
}

// niceCeil rounds x up to a whole number of the step that axis.ticks
// would use, so that an axis from 0 to it ends on a tick.
func niceCeil(x float64) float64 {
	step := niceStep(x / 5)
	return math.Ceil(x/step) * step
}

// distinct returns the number of distinct values of of among points.
func distinct(points []Point, of func(Point) float64) int {
	var vs []float64
	for _, p := range points {
		if !containsFloat(vs, of(p)) {
			vs = append(vs, of(p))
		}
	}
	return len(vs)
}

// containsFloat reports whether vs holds v, NaN matching NaN.
func containsFloat(vs []float64, v float64) bool {
	for _, x := range vs {
		if x == v || math.IsNaN(x) && math.IsNaN(v) {
			return true
		}
	}
	return false
}

// sweepDoc describes the runs of a sweep of sc, whose Doc tells of values
// that the sweep changes, in one or two lines.
func sweepDoc(sc Scenario, byFail bool) []string {
	runs := fmt.Sprintf("%d clients, %s s of arrivals per point", sc.Clients, g(sc.Duration.Seconds()))
	otherwise := "Otherwise as scenario " + sc.Name + ": " + baseDoc(sc.Doc) + "."
	_, flaky := sc.Model.(Flaky)
	switch {
	case byFail && flaky && sc.Layers == 1 && sc.Model.trigger().Empty():
		return []string{"A dependency failing calls at random (503) with the probability on the x axis; " + runs + "."}
	case byFail:
		return []string{"Calls fail at random (503) with the probability on the x axis; " + runs + ".", otherwise}
	}
	return []string{"The offered load on the x axis; " + runs + ".", otherwise}
}

// baseDoc returns a scenario's Doc without the settings that a Tuning
// appended to it, which vary along a sweep.
func baseDoc(doc string) string {
	if i := strings.LastIndex(doc, " ["); i >= 0 && strings.HasSuffix(doc, "]") {
		return doc[:i]
	}
	return doc
}
