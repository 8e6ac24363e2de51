package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
)

// run runs the demo: it starts the server, makes the calls, and writes the
// log of their retries and a summary to w. It returns an error only when the
// demo itself went wrong; calls that fail are part of the show.
func run(ctx context.Context, cfg config, w io.Writer) (summary, error) {
	start := time.Now()
	if err := cfg.validate(); err != nil {
		return summary{}, err
	}
	srv, err := startServer(cfg.seed, cfg.slowFor)
	if err != nil {
		return summary{}, err
	}
	c := newClient(srv.URL())
	t := newTally(cfg.maxRetryAfter)
	// The policy plus this run's subscribers: one bundle, resolved once,
	// shared by every call.
	opts := retry.Options(append(policy(cfg), retry.Subscribe(observe.Slog(newLogger(w)), t.subscriber()))...)

	printIntro(w, cfg, srv.URL())
	results := c.callAll(ctx, cfg.calls, cfg.concurrency, cfg.seed, opts)
	c.close()
	if err := srv.Close(); err != nil {
		return summary{}, err
	}

	s := summarize(results, t, srv.Counts(), time.Since(start))
	s.print(w, cfg)
	for _, r := range results {
		if errors.Is(r.err, retry.ErrInvalidOption) {
			return s, r.err
		}
	}
	if s.unexplained > 0 {
		return s, fmt.Errorf("%d failed calls have no known stop reason", s.unexplained)
	}
	return s, nil
}

// printIntro tells what is about to happen.
func printIntro(w io.Writer, cfg config, url string) {
	var mix []string
	for _, o := range outcomes {
		mix = append(mix, fmt.Sprintf("%d%% %s", o.percent, o.label))
	}
	fmt.Fprintf(w, "reflexio demo: %d calls, %d at a time, to a flaky server at %s (seed %d)\n\n",
		cfg.calls, cfg.concurrency, url, cfg.seed)
	fmt.Fprintf(w, "The server answers each request with: %s.\n", strings.Join(mix, ", "))
	fmt.Fprintf(w, "Too slow means slower than the attempt timeout of %v.\n\n", cfg.attemptTimeout)
	fmt.Fprintln(w, "Each call is retry.Do with the options")
	for _, o := range policy(cfg) {
		fmt.Fprintf(w, "  %v\n", o)
	}
	fmt.Fprintf(w, "Servers ask for Retry-After: 1 (second); MaxRetryAfter caps the wait at %v to keep the demo short.\n\n", cfg.maxRetryAfter)
	fmt.Fprintln(w, "The log: one INFO line per retry, one WARN line per call that gave up (successes are DEBUG, not shown).")
	fmt.Fprintln(w, "attempt is the attempt that failed, delay the wait before the next one, elapsed the time since the call began.")
}
