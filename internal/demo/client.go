package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/retry"
)

// Item is what the server serves, and what each call returns, typed.
type Item struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Stock int    `json:"stock"`
}

// maxAttempts is the demo's cap on attempts per call: 4 retries at most.
const maxAttempts = 5

// maxDrain bounds how much of a body is read before it is closed, so that
// the connection can be reused without reading an endless body.
const maxDrain = 64 << 10

// policy returns how the demo retries the item service: the options a real
// client package would bundle with retry.Options, keep in a variable and
// pass to every call. They are built from cfg only so that the test can
// scale the delays down, and returned one by one so that the demo can print
// them one by one.
func policy(cfg config) []retry.Option {
	return []retry.Option{
		retry.Name("demo.get"),
		retry.MaxAttempts(maxAttempts),
		retry.AttemptTimeout(cfg.attemptTimeout),
		retry.Deadline(cfg.deadline),
		retry.Backoff(backoff.DecorrelatedJitter(cfg.backoffBase, cfg.backoffCap)),
		retry.BackoffFor(classify.RateLimit, backoff.DecorrelatedJitter(cfg.rateLimitBase, cfg.rateLimitCap)),
		retry.MaxRetryAfter(cfg.maxRetryAfter),
	}
}

// client fetches items from the server.
type client struct {
	http *http.Client
	base string // the server's URL
}

func newClient(base string) *client {
	// A transport of its own, without proxy, so that the demo talks to
	// the loopback server directly and can close its connections.
	t := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 16}
	return &client{http: &http.Client{Transport: t}, base: base}
}

// close closes the client's idle connections, and with them their
// goroutines.
func (c *client) close() { c.http.CloseIdleConnections() }

// getItem makes one attempt at fetching item id: it is the operation that
// retry.Do calls. A status that is not 2xx becomes an *HTTPError; the
// transport's and the decoder's errors are returned as they are, for
// classify.Default to classify.
func (c *client) getItem(ctx context.Context, id int) (Item, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/items/"+strconv.Itoa(id), nil)
	if err != nil {
		return Item{}, classify.MarkPermanent(err) // a bad URL stays bad
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return Item{}, err
	}
	defer func() {
		io.CopyN(io.Discard, resp.Body, maxDrain)
		resp.Body.Close()
	}()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return Item{}, newHTTPError(resp, time.Now())
	}
	var it Item
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxDrain)).Decode(&it); err != nil {
		return Item{}, fmt.Errorf("decode item: %w", err)
	}
	return it, nil
}

// result is the outcome of one call.
type result struct {
	id       int
	item     Item
	err      error
	attempts int // attempts made, counted by the operation itself
	latency  time.Duration
}

// callAll makes calls calls, for items 1 to calls, concurrency at a time,
// each with retry.Do and opts, and returns their results in item order.
func (c *client) callAll(ctx context.Context, calls, concurrency int, seed uint64, opts retry.Option) []result {
	results := make([]result, calls)
	ids := make(chan int)
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			for id := range ids {
				results[id-1] = c.call(ctx, id, seed, opts)
			}
		})
	}
	for id := 1; id <= calls; id++ {
		ids <- id
	}
	close(ids)
	wg.Wait()
	return results
}

// call fetches item id with retries.
func (c *client) call(ctx context.Context, id int, seed uint64, opts retry.Option) result {
	ctx = withCall(ctx, id) // for the log lines of this call's events
	// A jitter source of the call's own, seeded, so that a seed replays
	// the same delays; a *rand.Rand must not be shared across goroutines.
	jitter := rand.New(rand.NewPCG(^seed, uint64(id)))
	res := result{id: id}
	start := time.Now()
	res.item, res.err = retry.Do(ctx, func(ctx context.Context) (Item, error) {
		res.attempts++
		return c.getItem(ctx, id)
	}, opts, retry.Rand(jitter))
	res.latency = time.Since(start)
	return res
}
