package sim

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"time"
)

// The hedging chart's layout, in pixels, within a panel of panelHeight.
const (
	latencyWidth = 600                          // the latency plot, from plotLeft
	loadLeft     = plotLeft + latencyWidth + 80 // the extra load plot
	loadWidth    = chartWidth - loadLeft - 30   // to the right edge
	quantileGap  = 14                           // between the groups of bars
	hedgeLegend  = chartTop + 4                 // the quantiles' legend, above the panels
)

// The quantiles the hedging chart draws, and their shades.
var hedgeQuantiles = []struct {
	name  string
	of    func(Result) time.Duration
	color string
}{
	{"p50", func(r Result) time.Duration { return r.P50 }, "#9ecae1"},
	{"p99", func(r Result) time.Duration { return r.P99 }, "#3182bd"},
	{"p99.9", func(r Result) time.Duration { return r.P999 }, "#08306b"},
}

// WriteHedgingSVG draws what hedging does to the slow-tail scenarios
// among results, as a standalone SVG image: one panel per scenario whose
// downstream is a SlowTail, with, for each policy, the 50th, 99th and
// 99.9th percentiles of the requests' latency (bars on a logarithmic
// axis, in ms) and the extra load (Result.ExtraLoad, bars in % of the
// requests). The other scenarios are left out.
func WriteHedgingSVG(w io.Writer, results []Result) error {
	var groups [][]Result
	for _, g := range byScenario(results) {
		if _, ok := g[0].Scenario.Model.(SlowTail); ok {
			groups = append(groups, g)
		}
	}
	bw := bufio.NewWriter(w)
	height := chartTop + 20 + len(groups)*panelHeight
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif" font-size="12">`+"\n",
		chartWidth, height, chartWidth, height)
	fmt.Fprintf(bw, `<rect width="%d" height="%d" fill="white"/>`+"\n", chartWidth, height)
	fmt.Fprintf(bw, `<text x="%d" y="28" font-size="18" font-weight="bold">Latency and extra load of the slow tail, by hedging policy</text>`+"\n", plotLeft)
	fmt.Fprintf(bw, `<text x="%d" y="48" fill="#444">Left: percentiles of the requests' latency, in ms (log scale). Right: the calls that hedges add, in %% of the requests.</text>`+"\n", plotLeft)
	x := float64(plotLeft)
	for _, q := range hedgeQuantiles {
		fmt.Fprintf(bw, `<rect x="%.1f" y="%d" width="12" height="12" fill="%s"/>`+"\n", x, hedgeLegend, q.color)
		fmt.Fprintf(bw, `<text x="%.1f" y="%d">%s</text>`+"\n", x+16, hedgeLegend+10, q.name)
		x += 70
	}
	for i, g := range groups {
		drawHedgingPanel(bw, g, chartTop+20+i*panelHeight)
	}
	fmt.Fprintln(bw, "</svg>")
	return bw.Flush()
}

func drawHedgingPanel(w io.Writer, rs []Result, top int) {
	sc := rs[0].Scenario
	fmt.Fprintf(w, `<text x="%d" y="%d" font-size="15"><tspan font-weight="bold">%s</tspan>: %s</text>`+"\n",
		plotLeft, top+22, esc(sc.Name), esc(sc.Doc))
	plotTop := float64(top + 40)
	bottom := plotTop + plotHeight

	// The latency, in ms, on a log axis from a power of ten below the
	// fastest p50 to one above the slowest p99.9.
	lo, hi := math.Inf(1), 1.0
	for _, r := range rs {
		for _, q := range hedgeQuantiles {
			v := inMs(q.of(r))
			hi = max(hi, v)
			if v > 0 {
				lo = min(lo, v)
			}
		}
	}
	if math.IsInf(lo, 1) {
		lo = 1
	}
	// Below the fastest, so that its bar shows.
	y := axis{lo: math.Pow(10, math.Floor(math.Log10(lo*0.9))), hi: math.Pow(10, math.Ceil(math.Log10(hi))), p0: bottom, p1: plotTop, log: true}
	groupWidth := float64(latencyWidth) / float64(len(rs))
	barWidth := (groupWidth - quantileGap) / float64(len(hedgeQuantiles))
	for _, v := range y.ticks() {
		if y.hi/y.lo > 1e3 && v != math.Pow(10, math.Round(math.Log10(v))) {
			continue // powers of ten only, over many
		}
		py := y.px(v)
		fmt.Fprintf(w, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#e6e6e6"/>`+"\n", plotLeft, plotLeft+latencyWidth, py, py)
		fmt.Fprintf(w, `<text x="%d" y="%.1f" text-anchor="end" fill="#333">%s</text>`+"\n", plotLeft-6, py+4, number(v))
	}
	fmt.Fprintf(w, `<text transform="translate(%d %.1f) rotate(-90)" text-anchor="middle" fill="#333">latency (ms, log scale)</text>`+"\n", plotLeft-48, plotTop+plotHeight/2)
	for i, r := range rs {
		gx := float64(plotLeft) + float64(i)*groupWidth + quantileGap/2
		for j, q := range hedgeQuantiles {
			v := inMs(q.of(r))
			bx, py := gx+float64(j)*barWidth, y.px(v)
			fmt.Fprintf(w, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %s ms</title></rect>`+"\n",
				bx, py, barWidth-2, bottom-py, q.color, esc(r.Policy), q.name, number(math.Round(v*10)/10))
			fmt.Fprintf(w, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#333" font-size="10">%s</text>`+"\n", bx+barWidth/2-1, py-3, shortMs(v))
		}
		fmt.Fprintf(w, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#333">%s</text>`+"\n", gx+(groupWidth-quantileGap)/2, bottom+17, esc(r.Policy))
	}
	fmt.Fprintf(w, `<rect x="%d" y="%.1f" width="%d" height="%d" fill="none" stroke="#333"/>`+"\n", plotLeft, plotTop, latencyWidth, plotHeight)

	// The extra load, in % of the requests, on a linear axis.
	loadTop := 0.1 // 10%, at least
	for _, r := range rs {
		loadTop = max(loadTop, r.ExtraLoad()*1.15)
	}
	ly := axis{lo: 0, hi: 100 * loadTop, p0: bottom, p1: plotTop}
	for _, v := range ly.ticks() {
		py := ly.px(v)
		fmt.Fprintf(w, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#e6e6e6"/>`+"\n", loadLeft, loadLeft+loadWidth, py, py)
		fmt.Fprintf(w, `<text x="%d" y="%.1f" text-anchor="end" fill="#333">%s</text>`+"\n", loadLeft-6, py+4, number(v))
	}
	fmt.Fprintf(w, `<text transform="translate(%d %.1f) rotate(-90)" text-anchor="middle" fill="#333">extra load (%% of requests)</text>`+"\n", loadLeft-40, plotTop+plotHeight/2)
	slot := float64(loadWidth) / float64(len(rs))
	for i, r := range rs {
		bx := float64(loadLeft) + float64(i)*slot + slot*0.2
		v := 100 * r.ExtraLoad()
		py := ly.px(v)
		fmt.Fprintf(w, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %s%%</title></rect>`+"\n",
			bx, py, slot*0.6, bottom-py, color(r.Policy, i), esc(r.Policy), f(v, 1))
		fmt.Fprintf(w, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#333" font-size="10">%s%%</text>`+"\n", bx+slot*0.3, py-3, f(v, 1))
		fmt.Fprintf(w, `<text x="%.1f" y="%.1f" text-anchor="end" fill="#333" font-size="10" transform="rotate(-30 %.1f %.1f)">%s</text>`+"\n",
			bx+slot*0.3, bottom+14, bx+slot*0.3, bottom+14, esc(r.Policy))
	}
	fmt.Fprintf(w, `<rect x="%d" y="%.1f" width="%d" height="%d" fill="none" stroke="#333"/>`+"\n", loadLeft, plotTop, loadWidth, plotHeight)
}

// inMs returns d in milliseconds.
func inMs(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// shortMs formats a latency in ms for a bar's label: "22", "478", "36k".
func shortMs(v float64) string {
	if v >= 10000 {
		return f(v/1000, 0) + "k"
	}
	if v >= 100 {
		return f(v, 0)
	}
	return f(v, 1)
}
