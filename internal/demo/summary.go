package main

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"golang.org/x/exp/stats"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
)

// stopReasons are the reasons a call gives up, as retry's sentinels, with
// what each means in this demo.
var stopReasons = [...]stopReason{
	{retry.ErrPermanent, "ErrPermanent", "a Permanent error, such as a 404, is never retried"},
	{retry.ErrMaxAttempts, "ErrMaxAttempts", fmt.Sprintf("all %d attempts failed", maxAttempts)},
	{retry.ErrMaxUnknownAttempts, "ErrMaxUnknownAttempts", "an error no classifier knows (class Unknown; here HTML, not JSON) failed twice, the default cap"},
	{retry.ErrMaxClassAttempts, "ErrMaxClassAttempts", "the cap of MaxAttemptsFor on a class was reached"},
	{retry.ErrDeadline, "ErrDeadline", "the call's Deadline ran out, or the next wait would not fit in it"},
	{retry.ErrCancelled, "ErrCancelled", "interrupted (Ctrl-C)"},
}

type stopReason struct {
	err  error  // the sentinel
	name string // its name in package retry
	what string // what it means here
}

// summary is what a run did, added up.
type summary struct {
	calls       int
	succeeded   int
	failed      [len(stopReasons)]int // by stop reason
	unexplained int                   // failed calls with none of the reasons: a bug

	attemptsMean float64
	attemptsMax  int
	p50, p99     time.Duration // of every call, successful or not

	events  map[observe.Kind]int     // as the counting subscriber saw them
	retries [classify.NumClasses]int // by class
	hints   hintCounts
	served  [numOutcomes]int // what the server did, by outcome

	sample *Item // the value of the first successful call
	wall   time.Duration
}

// summarize adds up the results of the calls and the counts of the
// subscriber and the server.
func summarize(results []result, t *tally, served [numOutcomes]int, wall time.Duration) summary {
	s := summary{calls: len(results), served: served, wall: wall}
	s.events, s.retries, s.hints = t.snapshot()
	attempts := make([]float64, 0, len(results))
	latencies := make([]float64, 0, len(results)) // seconds
	for _, r := range results {
		attempts = append(attempts, float64(r.attempts))
		s.attemptsMax = max(s.attemptsMax, r.attempts)
		latencies = append(latencies, r.latency.Seconds())
		if r.err == nil {
			s.succeeded++
			if s.sample == nil {
				s.sample = &r.item
			}
			continue
		}
		i := slices.IndexFunc(stopReasons[:], func(sr stopReason) bool {
			return errors.Is(r.err, sr.err)
		})
		if i < 0 {
			s.unexplained++
			continue
		}
		s.failed[i]++
	}
	if len(results) > 0 {
		s.attemptsMean = stats.Mean(attempts)
		q := stats.Quantiles(latencies, 0.5, 0.99)
		s.p50 = time.Duration(q[0] * float64(time.Second))
		s.p99 = time.Duration(q[1] * float64(time.Second))
	}
	return s
}

// print writes s for a reader who has just watched the log scroll by.
func (s summary) print(w io.Writer, cfg config) {
	fmt.Fprintf(w, "\nSummary\n")
	fmt.Fprintf(w, "  calls                %d\n", s.calls)
	fmt.Fprintf(w, "  succeeded            %d", s.succeeded)
	if s.sample != nil {
		fmt.Fprintf(w, "   (each returns a typed value, such as %+v)", *s.sample)
	}
	fmt.Fprintf(w, "\n  failed               %d\n", s.calls-s.succeeded)
	for i, sr := range stopReasons {
		if n := s.failed[i]; n > 0 {
			fmt.Fprintf(w, "    %-22s %3d   %s\n", sr.name, n, sr.what)
		}
	}
	if s.unexplained > 0 {
		fmt.Fprintf(w, "    %-22s %3d   none of the above: a bug\n", "unexplained", s.unexplained)
	}
	fmt.Fprintf(w, "  attempts per call    mean %.2f, max %d (MaxAttempts is %d; n attempts are n-1 retries)\n",
		s.attemptsMean, s.attemptsMax, maxAttempts)
	fmt.Fprintf(w, "  retries by class     %s\n", s.retriesByClass())
	fmt.Fprintf(w, "  Retry-After          %s waited for, %d of them cut to MaxRetryAfter (%v); %s ignored\n",
		plural(s.hints.honoured, "hint"), s.hints.clamped, cfg.maxRetryAfter, plural(s.hints.ignored, "unreadable header"))
	fmt.Fprintf(w, "  latency per call     p50 %v, p99 %v (Deadline is %v)\n",
		s.p50.Round(100*time.Microsecond), s.p99.Round(100*time.Microsecond), cfg.deadline)
	fmt.Fprintf(w, "  events               %s\n", s.eventCounts())
	fmt.Fprintf(w, "  server answered      %s\n", s.servedCounts())
	fmt.Fprintf(w, "  wall time            %v\n", s.wall.Round(time.Millisecond))
}

func (s summary) retriesByClass() string {
	var parts []string
	total := 0
	for c, n := range s.retries {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%v %d", classify.Class(c), n))
			total += n
		}
	}
	return fmt.Sprintf("%d: %s", total, strings.Join(parts, ", "))
}

func (s summary) eventCounts() string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(s.events)) {
		parts = append(parts, fmt.Sprintf("%v %d", k, s.events[k]))
	}
	return strings.Join(parts, ", ")
}

func (s summary) servedCounts() string {
	var parts []string
	total := 0
	for o, n := range s.served {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", outcomes[o].label, n))
			total += n
		}
	}
	return fmt.Sprintf("%d requests: %s", total, strings.Join(parts, ", "))
}

// plural returns n and noun, with an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
