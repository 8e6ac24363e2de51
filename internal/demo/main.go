// Command demo shows the retry loop of reflexio at work against a real, flaky
// HTTP server that it starts on the loopback interface.
//
// The server answers each request by a seeded random draw: a JSON item, a
// 503, a 429 with a Retry-After header, a connection dropped in the middle
// of the headers, a response too slow for the client's attempt timeout, an
// HTML page where JSON was expected, or a 404. The client fetches items
// concurrently, each with retry.Do and one shared bundle of options, logs the
// retry events with log/slog, and prints a summary of what happened.
//
// Usage:
//
//	go run ./internal/demo [-seed n] [-calls n] [-concurrency n]
//
// A run takes a few seconds: every call is bounded by its deadline. Some
// calls fail, by design; the exit status is 0 unless the demo itself could
// not run.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
)

func main() {
	cfg := defaultConfig()
	flag.Uint64Var(&cfg.seed, "seed", cfg.seed, "seed of the server's random draws and of the retry jitter; the same seed gives the same outcomes")
	flag.IntVar(&cfg.calls, "calls", cfg.calls, "number of calls to make")
	flag.IntVar(&cfg.concurrency, "concurrency", cfg.concurrency, "number of calls in flight at once")
	flag.Parse()
	if err := cfg.validate(); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		flag.Usage()
		os.Exit(2)
	}

	// Ctrl-C cancels the calls in flight: they end with retry.ErrCancelled
	// and the summary still adds up.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	if _, err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}
