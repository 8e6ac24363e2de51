// Command sim runs the storm simulator of reflexio: every scenario of the
// grid under every policy, on a virtual clock, and reports what each did.
//
// Usage:
//
//	go run ./internal/sim/cmd/sim [-seed n] [-svg file] [-table=false]
//
// It prints the results as CSV on standard output, as a table on standard
// error, and draws the offered load over time, per scenario and policy, in
// an SVG file. The same seed gives the same bytes.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/reflexio-go/reflexio/internal/sim"
)

func main() {
	seed := flag.Uint64("seed", 1, "seed of every random draw of the runs")
	svg := flag.String("svg", "sim.svg", "file to draw the chart in; empty for none")
	table := flag.Bool("table", true, "print a table of the results on standard error")
	small := flag.Bool("small", false, "run the small grid of the tests instead of the full one")
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}

	results := sim.RunGrid(sim.Grid(!*small), *seed)
	if err := sim.WriteCSV(os.Stdout, results); err != nil {
		fail(err)
	}
	if *table {
		if err := sim.WriteTable(os.Stderr, results); err != nil {
			fail(err)
		}
	}
	if *svg != "" {
		f, err := os.Create(*svg)
		if err != nil {
			fail(err)
		}
		if err := sim.WriteSVG(f, results); err != nil {
			fail(err)
		}
		if err := f.Close(); err != nil {
			fail(err)
		}
		if *table {
			fmt.Fprintf(os.Stderr, "\nchart: %s\n", *svg)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "sim:", err)
	os.Exit(1)
}
