package sim

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// A Sweep is a grid of values of the offered load and of the failure
// probability, to run one scenario at each point of. An empty list leaves
// that parameter as the scenario (and the Tuning) has it.
type Sweep struct {
	Loads []float64 // requests per second
	Fails []float64 // probabilities
}

// The most points a Sweep may have along one parameter, and in all.
const (
	maxSweepValues = 1000
	maxSweepPoints = 10000
)

// ParseSweep parses a sweep as cmd/sim's -sweep flag takes it: a
// comma-separated list of parameter=from:to:step, such as
// "load=50:400:50,fail=0:1:0.1", each parameter at most once. A parameter
// is load (requests per second, positive) or fail (a probability); its
// values run from from to to, both included, in steps of step; a single
// value needs no range ("fail=0.2").
func ParseSweep(s string) (Sweep, error) {
	var sw Sweep
	if strings.TrimSpace(s) == "" {
		return sw, fmt.Errorf("sim: -sweep %q: empty; want load=from:to:step and/or fail=from:to:step, such as load=50:400:50,fail=0:1:0.1", s)
	}
	for _, part := range strings.Split(s, ",") {
		name, spec, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return sw, fmt.Errorf("sim: -sweep %q: %q is not parameter=from:to:step, such as fail=0:1:0.1", s, part)
		}
		var dst *[]float64
		var valid func(float64) bool
		var want string
		switch name {
		case "load":
			dst, valid, want = &sw.Loads, func(v float64) bool { return v > 0 && !math.IsInf(v, 0) }, "positive requests per second"
		case "fail":
			dst, valid, want = &sw.Fails, validProbability, "a probability, from 0 to 1"
		default:
			return sw, fmt.Errorf("sim: -sweep %q: unknown parameter %q; want load or fail", s, name)
		}
		if *dst != nil {
			return sw, fmt.Errorf("sim: -sweep %q: %s given twice", s, name)
		}
		values, err := parseRange(spec, valid, want)
		if err != nil {
			return sw, fmt.Errorf("sim: -sweep %q: %s=%s: %v", s, name, spec, err)
		}
		*dst = values
	}
	if n := max(len(sw.Loads), 1) * max(len(sw.Fails), 1); n > maxSweepPoints {
		return sw, fmt.Errorf("sim: -sweep %q: %d points; want at most %d", s, n, maxSweepPoints)
	}
	return sw, nil
}

// parseRange parses from:to:step, or a single value, into the values it
// stands for, each of which must be valid.
func parseRange(spec string, valid func(float64) bool, want string) ([]float64, error) {
	fields := strings.Split(spec, ":")
	if len(fields) != 1 && len(fields) != 3 {
		return nil, fmt.Errorf("want from:to:step or a single value")
	}
	nums := make([]float64, len(fields))
	for i, f := range fields {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%q is not a number", f)
		}
		nums[i] = v
	}
	from, to, step := nums[0], nums[0], 1.0
	if len(nums) == 3 {
		to, step = nums[1], nums[2]
	}
	switch {
	case !valid(from):
		return nil, fmt.Errorf("from %s: want %s", g(from), want)
	case !valid(to):
		return nil, fmt.Errorf("to %s: want %s", g(to), want)
	case to < from:
		return nil, fmt.Errorf("to %s is below from %s", g(to), g(from))
	case !(step > 0):
		return nil, fmt.Errorf("step %s: want a positive step", g(step))
	}
	n := (to - from) / step
	if n >= maxSweepValues {
		return nil, fmt.Errorf("%.0f values; want at most %d", math.Floor(n)+1, maxSweepValues)
	}
	var values []float64
	for i := 0; i <= int(n+1e-9); i++ {
		// From the start each time, rounded, so that steps such as 0.1 do
		// not drift (0.30000000000000004).
		values = append(values, math.Round((from+float64(i)*step)*1e9)/1e9)
	}
	return values, nil
}

// A Point is the run of one policy at one point of a Sweep.
type Point struct {
	Load, Fail float64 // the offered load and the failure probability of the run
	Result
}

// RunSweep runs scenario sc, changed by tu, at every point of sw, under
// each of its policies, with one seed, and returns the runs in the order
// of the loads, then the failure probabilities, then the policies. It
// fails, before running anything, if a setting does not fit sc.
func RunSweep(sc Scenario, tu Tuning, sw Sweep, seed uint64) ([]Point, error) {
	scenarios, points, err := sweepPoints(sc, tu, sw)
	if err != nil {
		return nil, err
	}
	for i, r := range RunGrid(scenarios, seed) {
		points[i].Result = r
	}
	return points, nil
}

// sweepPoints returns the scenarios of a sweep, and its points without
// their results: a point per scenario and policy, in order.
func sweepPoints(sc Scenario, tu Tuning, sw Sweep) ([]Scenario, []Point, error) {
	loads, fails := sw.Loads, sw.Fails
	if loads == nil {
		loads = []float64{tu.Load}
	}
	if fails == nil {
		fails = []float64{math.NaN()} // the scenario's, or the Tuning's
	}
	var scenarios []Scenario
	var points []Point
	for _, load := range loads {
		for _, fail := range fails {
			t := tu
			t.Load = load
			if !math.IsNaN(fail) {
				t.Fail, t.FailSet = fail, true
			}
			s, err := t.Apply(sc)
			if err != nil {
				return nil, nil, err
			}
			scenarios = append(scenarios, s)
			for range s.Policies {
				points = append(points, Point{Load: s.Rate, Fail: failOf(s.Model)})
			}
		}
	}
	return scenarios, points, nil
}

// failOf returns the probability that a call to a downstream of model m
// fails at random; NaN for a model that has none.
func failOf(m Model) float64 {
	switch m := m.(type) {
	case Flaky:
		return m.P
	case Server:
		return m.P
	}
	return math.NaN()
}

// SweepCSVHeader names the columns of WriteSweepCSV, in order: the load and
// the failure probability of the point, then those of WriteCSV.
var SweepCSVHeader = append([]string{"load_rps", "fail"}, CSVHeader...)

// WriteSweepCSV writes the runs of a sweep as CSV, with a header row: a
// row per run, as WriteCSV writes it, after the offered load (load_rps) and
// the failure probability (fail) of its point.
func WriteSweepCSV(w io.Writer, points []Point) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(SweepCSVHeader); err != nil {
		return err
	}
	for _, p := range points {
		fail := ""
		if !math.IsNaN(p.Fail) {
			fail = g(p.Fail)
		}
		cw.Write(append([]string{g(p.Load), fail}, row(p.Result)...))
	}
	cw.Flush()
	return cw.Error()
}
