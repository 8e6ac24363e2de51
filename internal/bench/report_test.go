package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"
	"time"
)

// The reports run on real time, so their figures vary from run to run and
// machine to machine: they print what they measure and assert only what does
// not depend on timing. They run only when asked, with
//
//	go test -run Report -v . -args -report
var report = flag.Bool("report", false, "run the real-time reports (wait accuracy, cancellation latency)")

func skipUnlessReport(t *testing.T) {
	t.Helper()
	if !*report {
		t.Skip("real time: run with -args -report")
	}
}

// TestReportWaitAccuracy times calls that fail 9 times, waiting 1ms before
// each retry, then succeed, and reports by how much they overshoot the 9ms
// they should wait, against the hand-written loop on the same timer.
func TestReportWaitAccuracy(t *testing.T) {
	skipUnlessReport(t)
	const (
		runs    = 20
		retries = 9
		delay   = time.Millisecond
	)
	over := make(map[string][]time.Duration)
	for range runs {
		for _, l := range libs { // interleaved, so that noise hits every library alike
			var calls counter
			start := time.Now()
			v, err := l.timed(context.Background(), retries+1, delay, countCalls(&calls, retries))
			elapsed := time.Since(start)
			if v != 1 || err != nil || calls.get() != retries+1 {
				t.Fatalf("%s: %d, %v after %d attempts; want 1, <nil> after %d", l.name, v, err, calls.get(), retries+1)
			}
			over[l.name] = append(over[l.name], elapsed-retries*delay)
		}
	}
	floor := median(over[handLoop.name])
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "library\tmedian overshoot\tper wait\tvs loop\tmin\tmax\t\n")
	for _, l := range libs {
		d := over[l.name]
		m := median(d)
		fmt.Fprintf(w, "%s\t%v\t%v\t%v\t%v\t%v\t\n", l.name, round(m), round(m/retries), round(m-floor), round(slices.Min(d)), round(slices.Max(d)))
	}
	w.Flush()
	t.Logf("wait accuracy: %d retries × %v, %d runs each\n%s", retries, delay, runs, b.String())
}

// TestReportCancelLatency starts calls whose operation always fails and that
// wait 1s before each retry, cancels their context 10ms in, and reports how
// long each takes to return after the cancellation, and whether the error it
// returns keeps both the cancellation and the last attempt's error.
func TestReportCancelLatency(t *testing.T) {
	skipUnlessReport(t)
	const (
		runs  = 20
		delay = time.Second
		after = 10 * time.Millisecond
	)
	lat := make(map[string][]time.Duration)
	kept := make(map[string]string)
	for range runs {
		for _, l := range libs {
			ctx, cancel := context.WithCancel(context.Background())
			cancelled := make(chan time.Time, 1)
			stop := time.AfterFunc(after, func() {
				cancelled <- time.Now()
				cancel()
			})
			var calls counter
			_, err := l.timed(ctx, 5, delay, countCalls(&calls, 100))
			returned := time.Now()
			if stop.Stop() {
				t.Fatalf("%s returned %v before the cancellation", l.name, err)
			}
			lat[l.name] = append(lat[l.name], returned.Sub(<-cancelled))
			kept[l.name] = keeps(err)
			cancel()
		}
	}
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "library\tmedian\tmax\terror keeps\t\n")
	for _, l := range libs {
		d := lat[l.name]
		fmt.Fprintf(w, "%s\t%v\t%v\t%s\t\n", l.name, round(median(d)), round(slices.Max(d)), kept[l.name])
	}
	w.Flush()
	t.Logf("cancellation latency: a %v wait cancelled %v in, %d runs each\n%s", delay, after, runs, b.String())
}

// keeps says what of the cancellation and the last attempt's error err
// carries.
func keeps(err error) string {
	ctxErr, last := errors.Is(err, context.Canceled), errors.Is(err, errBench)
	switch {
	case ctxErr && last:
		return "both"
	case ctxErr:
		return "context.Canceled only"
	case last:
		return "last error only"
	}
	return fmt.Sprintf("neither (%v)", err)
}

func median(d []time.Duration) time.Duration {
	s := slices.Sorted(slices.Values(d))
	return s[len(s)/2]
}

// round rounds d to a precision that its size deserves.
func round(d time.Duration) time.Duration {
	switch a := max(d, -d); {
	case a >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	case a >= 10*time.Microsecond:
		return d.Round(time.Microsecond)
	}
	return d.Round(10 * time.Nanosecond)
}
