package sim

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// The chart's layout, in pixels.
const (
	chartWidth  = 1100
	plotLeft    = 72  // the y axis
	plotWidth   = 560 // from the y axis to the legend
	plotHeight  = 190
	panelHeight = 300 // a scenario's panel: title, plot, x axis
	chartTop    = 64  // above the first panel: the chart's title
	legendLeft  = plotLeft + plotWidth + 24
)

// colors of the policies' lines, by name; others take the palette in turn.
var colors = map[string]string{
	"budget+breaker": "#17becf", // outage.go
	"breaker-tuned":  "#2ca02c",

	"none":               "#7f7f7f",
	"naive":              "#d62728",
	"defaults":           "#ff7f0e",
	"budget":             "#1f77b4",
	"budget-every-layer": "#9467bd",
	"attempts-3":         "#2ca02c",
	"exponential":        "#d62728",
	"full-jitter":        "#1f77b4",
	"equal-jitter":       "#2ca02c",
	"decorrelated":       "#ff7f0e",
	"no-hedging":         "#7f7f7f",
	"hedging-fixed":      "#d62728", // hedging.go
	"hedging-adaptive":   "#2ca02c",
	"hedging-budget":     "#1f77b4",
}

var palette = []string{"#8c564b", "#e377c2", "#17becf", "#bcbd22"}

// WriteSVG draws the offered load on the downstream over time, one panel
// per scenario and one line per policy, as a standalone SVG image. Each
// panel shades the trigger (an outage, a drop in capacity), draws the
// demand (the arrival rate) and a server's capacity as dashed lines, and
// its legend gives each policy's calls per request and recovery time. A
// panel whose lines span more than a factor of 10 above the demand has a
// logarithmic y axis.
func WriteSVG(w io.Writer, results []Result) error {
	bw := bufio.NewWriter(w)
	groups := byScenario(results)
	height := chartTop + len(groups)*panelHeight
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif" font-size="12">`+"\n",
		chartWidth, height, chartWidth, height)
	fmt.Fprintf(bw, `<rect width="%d" height="%d" fill="white"/>`+"\n", chartWidth, height)
	fmt.Fprintf(bw, `<text x="%d" y="28" font-size="18" font-weight="bold">Offered load on the downstream over time, by retry policy</text>`+"\n", plotLeft)
	fmt.Fprintf(bw, `<text x="%d" y="48" fill="#444">Calls per second reaching the downstream (first attempts and retries), in 0.5 s bins of virtual time. Shaded: the trigger.</text>`+"\n", plotLeft)
	for i, g := range groups {
		drawPanel(bw, g, chartTop+i*panelHeight, loadView)
	}
	fmt.Fprintln(bw, "</svg>")
	return bw.Flush()
}

// WriteRecoverySVG draws the goodput over time, the requests that
// succeeded per second, as a standalone SVG image: one panel per scenario
// and one line per policy, as WriteSVG draws the offered load. Each panel
// shades the trigger and draws, dashed, RecoveredShare of the goodput
// before it (of the first policy's run), which Result.Recovery measures the time to reach; its legend
// gives each policy's recovery time.
func WriteRecoverySVG(w io.Writer, results []Result) error {
	bw := bufio.NewWriter(w)
	groups := byScenario(results)
	height := chartTop + len(groups)*panelHeight
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif" font-size="12">`+"\n",
		chartWidth, height, chartWidth, height)
	fmt.Fprintf(bw, `<rect width="%d" height="%d" fill="white"/>`+"\n", chartWidth, height)
	fmt.Fprintf(bw, `<text x="%d" y="28" font-size="18" font-weight="bold">Goodput over time, by retry policy</text>`+"\n", plotLeft)
	fmt.Fprintf(bw, `<text x="%d" y="48" fill="#444">Requests that succeeded per second, in 0.5 s bins of virtual time. Shaded: the trigger; green, dashed: %s%% of the goodput before it.</text>`+"\n", plotLeft, number(100*RecoveredShare))
	for i, g := range groups {
		drawPanel(bw, g, chartTop+i*panelHeight, goodputView)
	}
	fmt.Fprintln(bw, "</svg>")
	return bw.Flush()
}

// A view is what a panel draws over time: a series of each run, in units
// per second.
type view struct {
	series func(Result) []float64
	unit   string // of the y axis
	target bool   // draw RecoveredShare of the goodput before the trigger
}

var (
	loadView    = view{series: func(r Result) []float64 { return r.Load }, unit: "calls/s"}
	goodputView = view{series: func(r Result) []float64 { return r.Done }, unit: "requests/s", target: true}
)

// byScenario splits results into runs of one scenario each, in order.
func byScenario(results []Result) [][]Result {
	var groups [][]Result
	for i := 0; i < len(results); {
		j := i + 1
		for j < len(results) && results[j].Scenario.Name == results[i].Scenario.Name {
			j++
		}
		groups = append(groups, results[i:j])
		i = j
	}
	return groups
}

// axis maps data to pixels along one axis, linearly or logarithmically.
type axis struct {
	lo, hi float64 // data
	p0, p1 float64 // pixels
	log    bool
}

func (a axis) px(v float64) float64 {
	if a.log {
		v, lo, hi := math.Log10(max(v, a.lo)), math.Log10(a.lo), math.Log10(a.hi)
		return a.p0 + (v-lo)/(hi-lo)*(a.p1-a.p0)
	}
	return a.p0 + (v-a.lo)/(a.hi-a.lo)*(a.p1-a.p0)
}

// ticks returns round values to label the axis with.
func (a axis) ticks() []float64 {
	var ts []float64
	if a.log {
		for e := math.Floor(math.Log10(a.lo)); math.Pow(10, e) <= a.hi; e++ {
			for _, m := range []float64{1, 2, 5} {
				if v := m * math.Pow(10, e); v >= a.lo && v <= a.hi {
					ts = append(ts, v)
				}
			}
		}
		return ts
	}
	step := niceStep((a.hi - a.lo) / 5)
	for v := math.Ceil(a.lo/step) * step; v <= a.hi+step/1e6; v += step {
		ts = append(ts, v)
	}
	return ts
}

// niceStep returns the 1, 2 or 5 times a power of ten nearest above x.
func niceStep(x float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x {
			return m * p
		}
	}
	return 10 * p
}

// chartBin is the width of the chart's bins, a multiple of Bin.
const chartBin = 5 * Bin

// smooth returns load averaged over bins of chartBin.
func smooth(load []float64) []float64 {
	k := int(chartBin / Bin)
	out := make([]float64, (len(load)+k-1)/k)
	for i, v := range load {
		out[i/k] += v / float64(k)
	}
	return out
}

func drawPanel(w io.Writer, rs []Result, top int, v view) {
	sc := rs[0].Scenario
	fmt.Fprintf(w, `<text x="%d" y="%d" font-size="15"><tspan font-weight="bold">%s</tspan>: %s</text>`+"\n",
		plotLeft, top+22, esc(sc.Name), esc(sc.Doc))
	plotTop := float64(top + 40)

	// The time axis: the arrival window, or until the last call when each
	// client makes one request.
	span := sc.Duration
	series := make([][]float64, len(rs))
	peak := sc.Rate
	for i, r := range rs {
		series[i] = smooth(v.series(r))
		if sc.Once {
			span = max(span, time.Duration(len(series[i]))*chartBin)
		}
	}
	bins := int((span + chartBin - 1) / chartBin)
	for i := range series {
		series[i] = series[i][:min(bins, len(series[i]))]
		for _, v := range series[i] {
			peak = max(peak, v)
		}
	}
	x := axis{lo: 0, hi: span.Seconds(), p0: plotLeft, p1: plotLeft + plotWidth}
	y := axis{lo: 0, hi: peak * 1.08, p0: plotTop + plotHeight, p1: plotTop}
	if sc.Rate > 0 && peak > 10*sc.Rate {
		y = axis{lo: sc.Rate / 2, hi: peak * 1.5, p0: plotTop + plotHeight, p1: plotTop, log: true}
	}
	if sc.Once {
		y.hi = max(y.hi, 1)
	}

	// The trigger, shaded, under everything else.
	if tr := sc.Model.trigger(); !tr.Empty() {
		x0, x1 := x.px(tr.From.Seconds()), x.px(tr.To.Seconds())
		fmt.Fprintf(w, `<rect x="%.1f" y="%.1f" width="%.1f" height="%d" fill="#000" fill-opacity="0.08"/>`+"\n", x0, plotTop, x1-x0, plotHeight)
		fmt.Fprintf(w, `<text x="%.1f" y="%.1f" fill="#555" font-size="11">%s</text>`+"\n", x1+4, plotTop+12, esc(triggerLabel(sc.Model)))
	}

	// Grid and axes.
	for _, v := range y.ticks() {
		py := y.px(v)
		fmt.Fprintf(w, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#e6e6e6"/>`+"\n", plotLeft, plotLeft+plotWidth, py, py)
		fmt.Fprintf(w, `<text x="%d" y="%.1f" text-anchor="end" fill="#333">%s</text>`+"\n", plotLeft-6, py+4, number(v))
	}
	for _, v := range x.ticks() {
		px := x.px(v)
		fmt.Fprintf(w, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#333"/>`+"\n", px, px, plotTop+plotHeight, plotTop+plotHeight+4)
		fmt.Fprintf(w, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#333">%s</text>`+"\n", px, plotTop+plotHeight+17, number(v))
	}
	fmt.Fprintf(w, `<rect x="%d" y="%.1f" width="%d" height="%d" fill="none" stroke="#333"/>`+"\n", plotLeft, plotTop, plotWidth, plotHeight)
	fmt.Fprintf(w, `<text x="%d" y="%.1f" text-anchor="middle" fill="#333">time (s)</text>`+"\n", plotLeft+plotWidth/2, plotTop+plotHeight+33)
	yLabel := v.unit
	if y.log {
		yLabel += " (log scale)"
	}
	fmt.Fprintf(w, `<text transform="translate(%d %.1f) rotate(-90)" text-anchor="middle" fill="#333">%s</text>`+"\n", plotLeft-48, plotTop+plotHeight/2, yLabel)

	// Demand and capacity, dashed, labelled once the policies' lines are
	// drawn, so that the labels stay readable.
	var refs []ref
	if sc.Rate > 0 {
		refs = append(refs, ref{sc.Rate, fmt.Sprintf("demand %s/s", number(sc.Rate)), "#555", false})
	}
	switch m := sc.Model.(type) {
	case Server:
		refs = append(refs, ref{m.Capacity, fmt.Sprintf("capacity %s/s", number(m.Capacity)), "#000", true})
	case SlowTail:
		if c := m.Capacity(); c > 0 {
			refs = append(refs, ref{c, fmt.Sprintf("capacity %s/s", number(math.Round(c))), "#000", true})
		}
	}
	if tr := sc.Model.trigger(); v.target && !tr.Empty() && tr.From > 0 {
		before := 0.0
		for _, d := range rs[0].Done[:min(len(rs[0].Done), int(tr.From/Bin))] {
			before += d * Bin.Seconds()
		}
		target := RecoveredShare * before / tr.From.Seconds()
		refs = append(refs, ref{target, fmt.Sprintf("%s%% of the goodput before", number(100*RecoveredShare)), "#1a7f37", true})
	}
	for _, r := range refs {
		py := y.px(r.v)
		fmt.Fprintf(w, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-dasharray="5 4"/>`+"\n", x.p0, x.p1, py, py, r.color)
	}

	// One line per policy, the first ones drawn last so that they stay on
	// top where lines overlap.
	for i := len(rs) - 1; i >= 0; i-- {
		var pts strings.Builder
		for j, v := range series[i] {
			fmt.Fprintf(&pts, "%.1f,%.1f ", x.px((float64(j)+0.5)*chartBin.Seconds()), y.px(v))
		}
		fmt.Fprintf(w, `<polyline fill="none" stroke="%s" stroke-width="1.8" stroke-linejoin="round" points="%s"><title>%s</title></polyline>`+"\n",
			color(rs[i].Policy, i), strings.TrimSpace(pts.String()), esc(rs[i].Policy))
	}

	for _, r := range refs {
		lx, anchor := x.p0+4, "start"
		if r.right {
			lx, anchor = x.p1-4, "end"
		}
		fmt.Fprintf(w, `<text x="%.1f" y="%.1f" text-anchor="%s" fill="%s" font-size="11" stroke="white" stroke-width="3" paint-order="stroke">%s</text>`+"\n",
			lx, y.px(r.v)-4, anchor, r.color, esc(r.label))
	}

	// The legend.
	ly := plotTop + 6
	fmt.Fprintf(w, `<text x="%d" y="%.1f" font-weight="bold">policy</text>`+"\n", legendLeft, ly)
	fmt.Fprintf(w, `<text x="%d" y="%.1f" fill="#555" font-size="11">calls/request, success%s</text>`+"\n", legendLeft+150, ly, legendExtra(sc))
	for i, r := range rs {
		ly += 20
		fmt.Fprintf(w, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="3"/>`+"\n", legendLeft, legendLeft+22, ly-4, ly-4, color(r.Policy, i))
		fmt.Fprintf(w, `<text x="%d" y="%.1f">%s</text>`+"\n", legendLeft+28, ly, esc(r.Policy))
		fmt.Fprintf(w, `<text x="%d" y="%.1f" fill="#333">%s×, %s%%%s</text>`+"\n",
			legendLeft+150, ly, f(r.Amplification, 2), f(100*r.SuccessRate, 1), legendValue(r))
	}
}

// ref is a dashed horizontal line of reference, labelled above its left
// end, or its right end if right.
type ref struct {
	v     float64
	label string
	color string
	right bool
}

func triggerLabel(m Model) string {
	switch m := m.(type) {
	case Server:
		return fmt.Sprintf("capacity × %s", number(m.DropFactor))
	case SlowTail:
		return fmt.Sprintf("workers × %s", number(m.DropFactor))
	case Flaky:
		return "outage"
	}
	return "trigger"
}

// legendExtra and legendValue add the recovery time and the load during
// the trigger (Result.OutageLoad) to the legend of a scenario with a
// trigger.
func legendExtra(sc Scenario) string {
	if sc.Model.trigger().Empty() {
		return ""
	}
	return ", recovery, load during trigger"
}

func legendValue(r Result) string {
	if s := recovery(r, " s"); s != "" {
		return ", " + s + ", " + outageLoad(r, 2) + "×"
	}
	return ""
}

func color(policy string, i int) string {
	if c, ok := colors[policy]; ok {
		return c
	}
	return palette[i%len(palette)]
}

// number formats an axis value without needless decimals.
func number(v float64) string {
	if v == math.Trunc(v) {
		return f(v, 0)
	}
	return strings.TrimRight(f(v, 2), "0")
}

var esc = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace
