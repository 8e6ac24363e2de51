// Command sim runs the storm simulator of reflexio: every scenario of the
// grid under every policy, on a virtual clock, and reports what each did.
//
// Usage:
//
//	go run ./internal/sim/cmd/sim [flags]
//
// With no flags it prints the results of the whole grid as CSV on standard
// output, as a table on standard error, and draws the offered load over
// time, per scenario and policy, in sim.svg. Flags choose the scenarios
// (-scenario), change them (-load, -fail, -clients, -budget-ratio,
// -budget-burst, -budget=per-client), or sweep one scenario over a grid of
// offered loads and failure probabilities, writing a CSV and an SVG chart:
//
//	go run ./internal/sim/cmd/sim -scenario=capacity -sweep=load=50:400:50,fail=0:1:0.1 -out=sweeps
//
// -h lists every flag. The same flags and seed give the same bytes.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/reflexio-go/reflexio/internal/sim"
)

func main() {
	switch err := sim.Main(os.Args[1:], os.Stdout, os.Stderr); {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
	case errors.Is(err, sim.ErrUsage):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "sim:", err)
		os.Exit(1)
	}
}
