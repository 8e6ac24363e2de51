package sim

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ErrUsage is the error of Main for flags it cannot take, after it has
// written what is wrong and its usage; cmd/sim exits with status 2 for it.
var ErrUsage = errors.New("sim: usage")

// A Command is what the flags of cmd/sim ask for.
type Command struct {
	Seed     uint64
	Small    bool     // the small grid of the tests
	Scenario []string // the scenarios to run; nil for every one
	Tuning   Tuning
	Sweep    *Sweep // nil: run the grid
	Out      string // the directory of a sweep's files
	SVG      string // the chart of a run of the grid; "" for none
	HedgeSVG string // the chart of its slow-tail scenarios; "" for none
	Table    bool
}

// ParseCommand parses the arguments of cmd/sim, without the program's name.
// An invalid value is an error that names the flag and the value; usage,
// if not nil, receives the flags' descriptions when the error is about
// flags in general (an unknown flag, -h).
func ParseCommand(args []string, usage io.Writer) (Command, error) {
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c := Command{}
	fs.Uint64Var(&c.Seed, "seed", 1, "seed of every random draw of the runs")
	fs.StringVar(&c.SVG, "svg", "sim.svg", "file to draw the chart of the grid in; empty for none")
	fs.StringVar(&c.HedgeSVG, "hedge-svg", "hedging.svg", "file to draw the latency and extra load of the grid's slow-tail scenarios in, if it runs any; empty for none")
	fs.BoolVar(&c.Table, "table", true, "print a table of the results on standard error")
	fs.BoolVar(&c.Small, "small", false, "run the small grid of the tests instead of the full one")
	scenario := fs.String("scenario", "", "the scenarios to run, comma-separated (`names`); empty for every one")
	load := fs.Float64("load", 0, "offered load, requests per second of all clients together, positive; unset keeps each scenario's (contention, whose clients write once, takes none)")
	fail := fs.Float64("fail", 0, "probability that a call fails with a 503, from 0 to 1; unset keeps each scenario's (contention takes none)")
	clients := fs.Int("clients", 0, "number of clients, at least 1; unset keeps each scenario's")
	ratio := fs.Float64("budget-ratio", BudgetRatio, "ratio of the retry budgets: retries earned per call")
	burst := fs.Int("budget-burst", BudgetBurst, "burst of the retry budgets: the retries they hold at most")
	budget := fs.String("budget", "shared", "retry budgets `shared` by every client, or per-client")
	sweep := fs.String("sweep", "", "run one -scenario over a grid of `load=from:to:step,fail=from:to:step`, writing a CSV and an SVG chart in -out")
	fs.StringVar(&c.Out, "out", ".", "the `directory` to write a sweep's CSV and SVG in")
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if usage != nil {
			writeUsage(usage, fs)
		}
		if errors.Is(err, flag.ErrHelp) {
			return c, err
		}
		return c, fmt.Errorf("sim: %w", err)
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("sim: unexpected argument %q; every setting is a flag", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	if *scenario != "" {
		names := scenarioNames()
		for _, n := range strings.Split(*scenario, ",") {
			if !slices.Contains(names, n) {
				return c, fmt.Errorf("sim: -scenario %q: no scenario %q; want one of %s", *scenario, n, strings.Join(names, ", "))
			}
			c.Scenario = append(c.Scenario, n)
		}
	}
	tu := &c.Tuning
	switch {
	case set["load"] && !(*load > 0 && !math.IsInf(*load, 0)):
		return c, fmt.Errorf("sim: -load %s: want positive requests per second", g(*load))
	case set["fail"] && !validProbability(*fail):
		return c, fmt.Errorf("sim: -fail %s: want a probability, from 0 to 1", g(*fail))
	case set["clients"] && *clients < 1:
		return c, fmt.Errorf("sim: -clients %d: want at least 1", *clients)
	case !(*ratio >= 0 && *ratio <= 1000):
		return c, fmt.Errorf("sim: -budget-ratio %s: want 0 to 1000, as retry.NewBudget does", g(*ratio))
	case *burst < 1:
		return c, fmt.Errorf("sim: -budget-burst %d: want at least 1, as retry.NewBudget does", *burst)
	case *budget != "shared" && *budget != "per-client":
		return c, fmt.Errorf("sim: -budget %q: want shared or per-client", *budget)
	}
	tu.Load, tu.Clients = *load, *clients
	tu.Fail, tu.FailSet = *fail, set["fail"]
	if *ratio != BudgetRatio {
		tu.BudgetRatio, tu.RatioSet = *ratio, true
	}
	if *burst != BudgetBurst {
		tu.BudgetBurst = *burst
	}
	tu.PerClient = *budget == "per-client"

	if set["sweep"] {
		sw, err := ParseSweep(*sweep)
		if err != nil {
			return c, err
		}
		if len(c.Scenario) != 1 {
			return c, fmt.Errorf("sim: -sweep %q: want exactly one -scenario to sweep, such as -scenario=capacity", *sweep)
		}
		if sw.Loads != nil && set["load"] || sw.Fails != nil && set["fail"] {
			return c, fmt.Errorf("sim: -sweep %q: sweeps a parameter that a flag sets too (-load or -fail)", *sweep)
		}
		c.Sweep = &sw
	} else if set["out"] {
		return c, fmt.Errorf("sim: -out %q: only a -sweep writes files in a directory; the grid's chart goes to -svg", c.Out)
	}
	return c, nil
}

func writeUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintln(w, "usage: go run ./internal/sim/cmd/sim [flags]")
	fmt.Fprintln(w, "\nWith no flags, runs every scenario of the grid: CSV on standard output, a table on standard error, the chart in sim.svg.")
	fmt.Fprintln(w, "\nflags:")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// scenarioNames returns the names of the scenarios of the grid, the same
// in both sizes.
func scenarioNames() []string {
	var names []string
	for _, sc := range Grid(false) {
		names = append(names, sc.Name)
	}
	return names
}

// Scenarios returns the scenarios that c runs, tuned. Without -scenario,
// a scenario that a setting does not fit is left out, unless none is left.
func (c Command) Scenarios() ([]Scenario, error) {
	var out []Scenario
	var misfit error
	for _, sc := range Grid(!c.Small) {
		if c.Scenario != nil && !slices.Contains(c.Scenario, sc.Name) {
			continue
		}
		tuned, err := c.Tuning.Apply(sc)
		if err != nil {
			if c.Scenario != nil {
				return nil, err
			}
			misfit = err
			continue
		}
		out = append(out, tuned)
	}
	if len(out) == 0 {
		return nil, misfit
	}
	return out, nil
}

// Main runs cmd/sim with args, the arguments without the program's name,
// writing results to stdout and a table, messages and errors to stderr.
// The same arguments give the same bytes. A run of the grid writes its CSV
// on stdout, its table on stderr, its chart in c.SVG and, if it has
// slow-tail scenarios, their chart in c.HedgeSVG; a sweep writes
// sweep-<scenario>.csv and sweep-<scenario>.svg in c.Out. It returns
// ErrUsage or flag.ErrHelp for flags it cannot take, after writing why.
func Main(args []string, stdout, stderr io.Writer) error {
	c, err := ParseCommand(args, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return err
	case err != nil:
		fmt.Fprintln(stderr, err)
		return ErrUsage
	}
	if c.Sweep != nil {
		return c.runSweep(stderr)
	}
	scenarios, err := c.Scenarios()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return ErrUsage
	}
	results := RunGrid(scenarios, c.Seed)
	if err := WriteCSV(stdout, results); err != nil {
		return err
	}
	if c.Table {
		if err := WriteTable(stderr, results); err != nil {
			return err
		}
	}
	if c.SVG != "" {
		if err := writeFile(c.SVG, func(w io.Writer) error { return WriteSVG(w, results) }); err != nil {
			return err
		}
		if c.Table {
			fmt.Fprintf(stderr, "\nchart: %s\n", c.SVG)
		}
	}
	if c.HedgeSVG != "" && slices.ContainsFunc(results, func(r Result) bool { _, ok := r.Scenario.Model.(SlowTail); return ok }) {
		if err := writeFile(c.HedgeSVG, func(w io.Writer) error { return WriteHedgingSVG(w, results) }); err != nil {
			return err
		}
		if c.Table {
			fmt.Fprintf(stderr, "hedging chart: %s\n", c.HedgeSVG)
		}
	}
	return nil
}

// runSweep runs the sweep of c over its scenario and writes its files.
func (c Command) runSweep(stderr io.Writer) error {
	grid := Grid(!c.Small)
	sc := grid[slices.IndexFunc(grid, func(s Scenario) bool { return s.Name == c.Scenario[0] })]
	points, err := RunSweep(sc, c.Tuning, *c.Sweep, c.Seed)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return ErrUsage
	}
	if err := os.MkdirAll(c.Out, 0o755); err != nil {
		return err
	}
	name := filepath.Join(c.Out, "sweep-"+sc.Name)
	if err := writeFile(name+".csv", func(w io.Writer) error { return WriteSweepCSV(w, points) }); err != nil {
		return err
	}
	if err := writeFile(name+".svg", func(w io.Writer) error { return WriteSweepSVG(w, points) }); err != nil {
		return err
	}
	if c.Table {
		fmt.Fprintf(stderr, "%d runs of %s: %s.csv, %s.svg\n", len(points), sc.Name, name, name)
	}
	return nil
}

// writeFile creates the file called name and writes it with write.
func writeFile(name string, write func(io.Writer) error) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
