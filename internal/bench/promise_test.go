//go:build !race

// The race detector allocates: these counts are made without it.

package bench

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// staleFigures are the README's allocation figures known to be out of date,
// by scenario, with the count the README gives: the test logs them rather
// than fails, and fails once the README no longer gives that count, so
// that the entry is removed with the fix.
var staleFigures = map[string]int64{}

// TestREADMEAllocationFigures keeps reflexio's allocation counts in the
// root README's Performance section (its table's reflexio column and the
// figures of the result, breaker and hedging scenarios after it) in step
// with the benchmarks that the README says they come from. Unlike the
// times, allocation counts are exact, and do not depend on the machine.
func TestREADMEAllocationFigures(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, perf, ok := strings.Cut(string(readme), "\n## Performance\n")
	if !ok {
		t.Fatal("README.md: no section Performance")
	}
	perf, _, _ = strings.Cut(perf, "\n## ")

	// What the README says reflexio allocates in each scenario.
	said := map[string]int64{}
	header := regexp.MustCompile(`(?m)^\| ns/op \(allocs\) ×loop \| reflexio \|`)
	if !header.MatchString(perf) {
		t.Fatal("README.md: the table's first column of figures is no longer reflexio's, or the table moved")
	}
	for _, m := range regexp.MustCompile(`(?m)^\| (\w+)(?: \(inline\))? \| [\d.]+ \((\d+)\)`).FindAllStringSubmatch(perf, -1) {
		said[m[1]] = atoi(t, m[2])
	}
	text := strings.Join(strings.Fields(perf), " ")
	prose := []struct {
		pattern   string // its group is the count of each of the scenarios
		scenarios []string
	}{
		{"\\(`SuccessResult`, `Poll5`\\): reflexio [\\d.]+ and [\\d.]+ ns, (\\w+) allocations? each", []string{"SuccessResult", "Poll5"}},
		{"\\(`BreakerSuccess`\\): reflexio [\\d.]+ ns, .*?, (none) allocating", []string{"BreakerSuccess"}},
		{"\\(`HedgeNotFired`\\): reflexio [\\d.]+ ns \\((\\d+) allocations?\\)", []string{"HedgeNotFired"}},
	}
	for _, p := range prose {
		m := regexp.MustCompile(p.pattern).FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("README.md: nothing matches %q: the sentence moved or changed; update this test with it", p.pattern)
		}
		for _, s := range p.scenarios {
			said[s] = atoi(t, m[1])
		}
	}

	benchmarks := map[string]func(*testing.B){
		"SuccessResult":  reflexioResult.entry().bench[successResult],
		"Poll5":          reflexioResult.entry().bench[poll5],
		"BreakerSuccess": breakerSuccessOf(breakerLibs[0]),
		"HedgeNotFired":  hedgeNotFiredOf(hedgeLibs[0]),
	}
	for s, f := range reflexio.entry().bench {
		benchmarks[s] = f
	}
	if breakerLibs[0].name != "reflexio" || hedgeLibs[0].name != "reflexio" {
		t.Fatal("reflexio is no longer the first library of the breaker and hedging scenarios")
	}
	scenarios := []string{success, successReused, successBundle, retry3, retry3Reused, retry3Bundle, retry3Observed, "SuccessResult", "Poll5", "BreakerSuccess", "HedgeNotFired"}
	for s := range said {
		if !slices.Contains(scenarios, s) {
			t.Errorf("README.md gives reflexio's allocations in %s, which is no scenario this test knows", s)
		}
	}

	// Each benchmark runs a fixed 1000 iterations; b.Loop leaves its
	// set-up out of the count, as in the README's runs.
	bt := flag.Lookup("test.benchtime")
	prev := bt.Value.String()
	if err := bt.Value.Set("1000x"); err != nil {
		t.Fatal(err)
	}
	defer bt.Value.Set(prev)
	for _, s := range scenarios {
		want, ok := said[s]
		if !ok {
			t.Errorf("README.md gives no allocation count of reflexio in %s", s)
			continue
		}
		r := testing.Benchmark(benchmarks[s])
		if r.N != 1000 {
			t.Fatalf("%s ran %d times; want 1000", s, r.N)
		}
		got := r.AllocsPerOp()
		stale, isStale := staleFigures[s]
		switch {
		case isStale && want == stale && got != want:
			t.Logf("README.md: reflexio's %s makes %d allocations, not %d: a known stale figure (staleFigures)", s, got, want)
		case isStale && want != stale:
			t.Errorf("README.md now gives %d allocations for %s: remove it from staleFigures", want, s)
		case got != want:
			t.Errorf("README.md: reflexio's %s makes %d allocations per call; the README says %d", s, got, want)
		}
	}
}

// breakerSuccessOf is BenchmarkBreakerSuccess of l alone.
func breakerSuccessOf(l breakerLib) func(*testing.B) {
	return func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := l.once(okBare); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// hedgeNotFiredOf is BenchmarkHedgeNotFired of l alone.
func hedgeNotFiredOf(l hedgeLib) func(*testing.B) {
	return func(b *testing.B) {
		call := l.prepare(hedgeSlow, okCtx)
		benchCalls(b, func(ctx context.Context, _ struct{}) (int, error) { return call(ctx) }, struct{}{})
	}
}

// atoi returns the count that s gives, in digits or as "none" or "one".
func atoi(t *testing.T, s string) int64 {
	t.Helper()
	switch s {
	case "none", "no":
		return 0
	case "one":
		return 1
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("README.md: %q is not a count this test reads", s)
	}
	return n
}
