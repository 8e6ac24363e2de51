package sim

import (
	"bytes"
	"encoding/csv"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParseCommandTakesValidFlags(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		args []string
		want func(Command) bool
	}{
		{"no flags", nil, func(c Command) bool {
			return c.Seed == 1 && c.Scenario == nil && c.Tuning == (Tuning{}) && c.Sweep == nil && c.SVG == "sim.svg" && c.HedgeSVG == "hedging.svg" && c.Table
		}},
		{"scenarios", []string{"-scenario=flaky,capacity"}, func(c Command) bool {
			return slices.Equal(c.Scenario, []string{"flaky", "capacity"})
		}},
		{"load and failure", []string{"-load=300", "-fail=0.25"}, func(c Command) bool {
			return c.Tuning.Load == 300 && c.Tuning.Fail == 0.25 && c.Tuning.FailSet
		}},
		{"no failure is a failure probability", []string{"-fail=0"}, func(c Command) bool { return c.Tuning.FailSet && c.Tuning.Fail == 0 }},
		{"clients", []string{"-clients=3"}, func(c Command) bool { return c.Tuning.Clients == 3 }},
		{"budget", []string{"-budget-ratio=0.2", "-budget-burst=5", "-budget=per-client"}, func(c Command) bool {
			return c.Tuning.BudgetRatio == 0.2 && c.Tuning.RatioSet && c.Tuning.BudgetBurst == 5 && c.Tuning.PerClient
		}},
		{"a ratio of zero", []string{"-budget-ratio=0"}, func(c Command) bool { return c.Tuning.RatioSet && c.Tuning.BudgetRatio == 0 }},
		{"the default budget changes nothing", []string{"-budget-ratio=0.1", "-budget-burst=10", "-budget=shared"}, func(c Command) bool {
			return c.Tuning == (Tuning{})
		}},
		{"sweep", []string{"-scenario=capacity", "-sweep=load=50:400:50,fail=0:1:0.1", "-out=x"}, func(c Command) bool {
			return c.Sweep != nil && len(c.Sweep.Loads) == 8 && len(c.Sweep.Fails) == 11 && c.Sweep.Fails[3] == 0.3 && c.Out == "x"
		}},
		{"sweep of one value", []string{"-scenario=flaky", "-sweep=fail=0.2"}, func(c Command) bool {
			return c.Sweep != nil && slices.Equal(c.Sweep.Fails, []float64{0.2}) && c.Sweep.Loads == nil
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := ParseCommand(tt.args, nil)
			if err != nil || !tt.want(c) {
				t.Errorf("ParseCommand(%q) = %+v, %v; want it taken as the test says", tt.args, c, err)
			}
		})
	}
}

// Every invalid value is an error that names the flag and the value, never
// a panic.
func TestParseCommandRejectsInvalidFlagsNamingThem(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		want []string // in the error
	}{
		{[]string{"-scenario=storm"}, []string{"-scenario", `"storm"`, "flaky"}},
		{[]string{"-scenario=flaky,"}, []string{"-scenario", `""`}},
		{[]string{"-load=0"}, []string{"-load", "0"}},
		{[]string{"-load=-5"}, []string{"-load", "-5"}},
		{[]string{"-load=NaN"}, []string{"-load", "NaN"}},
		{[]string{"-load=Inf"}, []string{"-load", "+Inf"}},
		{[]string{"-load=lots"}, []string{"-load", "lots"}},
		{[]string{"-fail=1.5"}, []string{"-fail", "1.5"}},
		{[]string{"-fail=-0.1"}, []string{"-fail", "-0.1"}},
		{[]string{"-fail=NaN"}, []string{"-fail", "NaN"}},
		{[]string{"-clients=0"}, []string{"-clients", "0"}},
		{[]string{"-clients=-2"}, []string{"-clients", "-2"}},
		{[]string{"-clients=many"}, []string{"-clients", "many"}},
		{[]string{"-budget-ratio=-1"}, []string{"-budget-ratio", "-1"}},
		{[]string{"-budget-ratio=NaN"}, []string{"-budget-ratio", "NaN"}},
		{[]string{"-budget-ratio=1001"}, []string{"-budget-ratio", "1001"}},
		{[]string{"-budget-burst=0"}, []string{"-budget-burst", "0"}},
		{[]string{"-budget=global"}, []string{"-budget", `"global"`, "per-client"}},
		{[]string{"-seed=-1"}, []string{"-seed", "-1"}},
		{[]string{"-speed=2"}, []string{"-speed"}},
		{[]string{"flaky"}, []string{`"flaky"`}},
		{[]string{"-out=d"}, []string{"-out", `"d"`, "-sweep"}},
		{[]string{"-sweep=fail=0:1:0.1"}, []string{"-sweep", "-scenario"}},
		{[]string{"-scenario=flaky,down", "-sweep=fail=0:1:0.1"}, []string{"-sweep", "-scenario"}},
		{[]string{"-scenario=flaky", "-sweep="}, []string{"-sweep", `""`}},
		{[]string{"-scenario=flaky", "-sweep=fail"}, []string{"-sweep", `"fail"`}},
		{[]string{"-scenario=flaky", "-sweep=rate=1:2:1"}, []string{"-sweep", `"rate"`, "load or fail"}},
		{[]string{"-scenario=flaky", "-sweep=fail=0:1"}, []string{"-sweep", "fail=0:1", "from:to:step"}},
		{[]string{"-scenario=flaky", "-sweep=fail=0:x:0.1"}, []string{"-sweep", `"x"`}},
		{[]string{"-scenario=flaky", "-sweep=fail=0:2:0.1"}, []string{"-sweep", "to 2", "probability"}},
		{[]string{"-scenario=flaky", "-sweep=fail=0.5:0.1:0.1"}, []string{"-sweep", "to 0.1", "below"}},
		{[]string{"-scenario=flaky", "-sweep=fail=0:1:0"}, []string{"-sweep", "step 0"}},
		{[]string{"-scenario=flaky", "-sweep=fail=0:1:-0.1"}, []string{"-sweep", "step -0.1"}},
		{[]string{"-scenario=flaky", "-sweep=fail=0:1:NaN"}, []string{"-sweep", `"NaN"`}},
		{[]string{"-scenario=flaky", "-sweep=load=0:100:10"}, []string{"-sweep", "from 0", "positive"}},
		{[]string{"-scenario=flaky", "-sweep=load=1:1e9:1"}, []string{"-sweep", "at most 1000"}},
		{[]string{"-scenario=flaky", "-sweep=fail=0:1:0.5,fail=0:1:0.1"}, []string{"-sweep", "fail given twice"}},
		{[]string{"-scenario=flaky", "-fail=0.2", "-sweep=fail=0:1:0.5"}, []string{"-sweep", "-fail"}},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			_, err := ParseCommand(tt.args, nil)
			if err == nil {
				t.Fatalf("ParseCommand(%q) = nil error; want one naming %q", tt.args, tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("ParseCommand(%q) = %q; want it to name %q", tt.args, err, w)
				}
			}
			if !strings.HasPrefix(err.Error(), "sim: ") {
				t.Errorf("ParseCommand(%q) = %q; want it prefixed %q", tt.args, err, "sim: ")
			}
		})
	}
}

func TestASettingThatDoesNotFitANamedScenarioIsAnError(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"-scenario=contention", "-load=100"},
		{"-scenario=contention", "-fail=0.1"},
		{"-scenario=contention", "-sweep=fail=0:1:0.5"},
		{"-scenario=slow-tail", "-fail=0.1"},
		{"-scenario=slow-tail-overload", "-sweep=fail=0:1:0.5"},
	} {
		var stdout, stderr bytes.Buffer
		err := Main(append(args, "-small"), &stdout, &stderr)
		scenario := strings.TrimPrefix(args[0], "-scenario=")
		if !errors.Is(err, ErrUsage) || !strings.Contains(stderr.String(), "does not apply to scenario "+scenario+" (") {
			t.Errorf("Main(%q) = %v, with %q on stderr; want ErrUsage, saying what does not apply", args, err, stderr.String())
		}
	}
}

func TestMainWithHelpPrintsTheFlags(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if err := Main([]string{"-h"}, &stdout, &stderr); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("Main(-h) = %v; want flag.ErrHelp", err)
	}
	for _, f := range []string{"-scenario", "-load", "-fail", "-clients", "-budget-ratio", "-budget-burst", "-budget", "-sweep", "-out"} {
		if !strings.Contains(stderr.String(), f+" ") {
			t.Errorf("Main(-h) wrote no %s:\n%s", f, stderr.String())
		}
	}
}

// TestSweepWritesACSVRowPerPointAndPolicy runs a small sweep through Main,
// as cmd/sim does, into a temporary directory.
func TestSweepWritesACSVRowPerPointAndPolicy(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "out")
	var stdout, stderr bytes.Buffer
	args := []string{"-small", "-scenario=flaky", "-sweep=load=2:4:2,fail=0:1:0.5", "-out=" + dir}
	if err := Main(args, &stdout, &stderr); err != nil {
		t.Fatalf("Main(%q) = %v; stderr:\n%s", args, err, stderr.String())
	}
	data, err := os.ReadFile(filepath.Join(dir, "sweep-flaky.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatalf("reading the CSV: %v\n%s", err, data)
	}
	if !slices.Equal(rows[0], SweepCSVHeader) {
		t.Errorf("header = %q; want %q", rows[0], SweepCSVHeader)
	}
	var points []string
	for _, r := range rows[1:] {
		points = append(points, r[0]+" "+r[1]+" "+r[3])
	}
	var want []string
	for _, load := range []string{"2", "4"} {
		for _, fail := range []string{"0", "0.5", "1"} {
			for _, pol := range Policies {
				want = append(want, load+" "+fail+" "+pol.Name)
			}
		}
	}
	if !slices.Equal(points, want) {
		t.Errorf("rows (load, fail, policy) = %q; want %q", points, want)
	}
	col := slices.Index(SweepCSVHeader, "amplification")
	for _, r := range rows[1:] {
		switch {
		case r[1] == "0" && r[col] != "1.000":
			t.Errorf("row %q: amplification %s with no failures; want 1.000", r, r[col])
		case r[1] == "1" && r[3] == "naive" && r[col] != "4.000":
			t.Errorf("row %q: naive amplification %s with every call failing; want 4.000", r, r[col])
		}
	}
	if stdout.Len() != 0 {
		t.Errorf("a sweep wrote %q on stdout; want its files only", stdout.String())
	}
	svg, err := os.ReadFile(filepath.Join(dir, "sweep-flaky.svg"))
	if err != nil {
		t.Fatal(err)
	}
	// Two plots (amplification, success) per load, a line per policy in each.
	if n, want := bytes.Count(svg, []byte("<polyline")), 2*2*len(Policies); n != want {
		t.Errorf("the sweep's SVG has %d lines; want %d", n, want)
	}
}

func TestSweepIsDeterministic(t *testing.T) {
	t.Parallel()
	sw, err := ParseSweep("fail=0:1:0.5")
	if err != nil {
		t.Fatal(err)
	}
	out := func() (csv, svg []byte) {
		points, err := RunSweep(small(t, "capacity"), Tuning{Load: 5}, sw, 3)
		if err != nil {
			t.Fatal(err)
		}
		var c, s bytes.Buffer
		if err := WriteSweepCSV(&c, points); err != nil {
			t.Fatal(err)
		}
		if err := WriteSweepSVG(&s, points); err != nil {
			t.Fatal(err)
		}
		return c.Bytes(), s.Bytes()
	}
	csv1, svg1 := out()
	csv2, svg2 := out()
	if !bytes.Equal(csv1, csv2) || !bytes.Equal(svg1, svg2) {
		t.Errorf("two sweeps with seed 3 gave different bytes:\n%s\n%s", csv1, csv2)
	}
}

func TestParseSweepStepsDoNotDrift(t *testing.T) {
	t.Parallel()
	sw, err := ParseSweep("fail=0:1:0.1")
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1}
	if !slices.Equal(sw.Fails, want) {
		t.Errorf("ParseSweep(fail=0:1:0.1).Fails = %v; want %v", sw.Fails, want)
	}
}

// A Tuning changes what it names, and a zero one nothing.
func TestTuningChangesTheScenario(t *testing.T) {
	t.Parallel()
	sc := small(t, "capacity")
	same, err := Tuning{}.Apply(sc)
	if err != nil || same.Doc != sc.Doc || same.Rate != sc.Rate || same.Model != sc.Model {
		t.Errorf("Tuning{}.Apply(capacity) = %+v, %v; want it unchanged", same, err)
	}
	tu := Tuning{Load: 50, Fail: 0.3, FailSet: true, Clients: 4, BudgetRatio: 0.5, RatioSet: true, BudgetBurst: 3, PerClient: true}
	got, err := tu.Apply(sc)
	if err != nil {
		t.Fatal(err)
	}
	if got.Rate != 50 || got.Clients != 4 || got.Model.(Server).P != 0.3 || math.IsNaN(failOf(got.Model)) {
		t.Errorf("%v: Apply(capacity) = %+v; want load 50, 4 clients, P 0.3", tu, got)
	}
	i := slices.IndexFunc(got.Policies, func(p Policy) bool { return p.Name == BudgetPolicy.Name })
	if p := got.Policies[i]; !p.PerClient || !strings.Contains(p.Doc, "Budget(0.5, 3) per client") {
		t.Errorf("%v: the budget policy is %q (per client: %v); want Budget(0.5, 3) per client", tu, p.Doc, p.PerClient)
	}
	if sc.Policies[i].PerClient {
		t.Errorf("Apply changed the policies of the scenario it was given")
	}
}

// Budgets per client hold more in reserve for a storm than one shared
// budget of the same size: each client's starts full, so ten clients start
// with ten times the burst.
func TestPerClientBudgetsEachHoldABurst(t *testing.T) {
	t.Parallel()
	sc, err := Tuning{Load: 20}.Apply(small(t, "down"))
	if err != nil {
		t.Fatal(err)
	}
	shared := Run(sc, BudgetPolicy, 1)
	per, err := Tuning{PerClient: true}.Apply(sc)
	if err != nil {
		t.Fatal(err)
	}
	r := Run(per, per.Policies[slices.IndexFunc(per.Policies, func(p Policy) bool { return p.Name == "budget" })], 1)
	// Less the fraction of a retry that each client's budget may hold at
	// the end, unspent.
	if want := shared.Calls + (sc.Clients-1)*BudgetBurst; r.Calls > want || r.Calls < want-sc.Clients {
		t.Errorf("per-client budgets: %d calls; want %d, the shared budget's %d and the burst of each other client's, less at most %d", r.Calls, want, shared.Calls, sc.Clients)
	}
}
