// Package retryhttp retries HTTP requests: a [Transport] is an
// http.RoundTripper that wraps another and sends each request again, with
// retry.Do, while it fails and the retry loop allows.
//
//	client := retryhttp.NewClient(retryhttp.Retry(retry.MaxAttempts(4), retry.Deadline(10*time.Second)))
//	resp, err := client.Get("https://example.com/users/42")
//
// or, over a RoundTripper of your own:
//
//	client := &http.Client{Transport: retryhttp.New(myTransport, opts...)}
//
// A Transport retries until response headers arrive; [Do] retries the
// reading of the body too (see "Reading the body in the attempt").
//
// The retry loop is package retry's, configured with its options through
// [Retry]: attempts, deadline, backoff per class, the cap on a server's
// Retry-After, subscribers. Without options, its defaults apply: at most 6
// attempts, no retry later than 60 seconds after the first failure (retry.MaxRetryTime), decorrelated
// jitter from 250ms to 30s, a retry budget per host (see BudgetPerHost), and
// no circuit breaker (see BreakerPerHost).
//
// # Which requests are retried
//
// A request is retried only if sending it twice is safe: by default (see
// [IsIdempotent]) if its method is GET, HEAD, OPTIONS, TRACE, PUT or DELETE,
// or it carries an Idempotency-Key header. [Idempotent] sets another rule.
// A request that the rule refuses, a POST for instance, is sent once,
// whatever the classifier makes of its failure, which is Permanent to
// classify.Default and says why ([ErrNotIdempotent]).
//
// # Bodies
//
// Each attempt sends the whole body again: the first the request's own,
// the others a fresh copy from the request's GetBody, which
// http.NewRequest sets for bodies in memory. A request with a body but no
// GetBody is sent once and never retried ([ErrBodyNotReplayable]).
//
// # Responses
//
// A response with a status from 400 to 599 is a failed attempt, whose
// error is a [*StatusError]. The retry loop's classifier decides what it
// means; classify.Default reads the status (see classify.HTTPStatus):
//
//	408 Request Timeout, 425 Too Early   Transient
//	409 Conflict                         Concurrency
//	429 Too Many Requests                RateLimit
//	500, 502, 503, 504 and other 5xx     ServerError
//	501, 505, 506, 508, 510, 511         Permanent
//	other 4xx                            Permanent
//
// Every other response is a success, returned at once, unless a result
// classifier rejects it (see "Classifying responses"). Transport errors
// (the wrapped RoundTripper's errors) go to the classifier as they are,
// except that an io.EOF, a connection closed before the response, is
// Transient.
//
// The Retry-After header of a 429 or a 503, delay-seconds or an HTTP-date
// (read by classify.ParseRetryAfter, against the response's Date header),
// is the server's hint: the next attempt waits at least that long, capped
// by retry.MaxRetryAfter (1 minute by default), and the loop gives up at
// once when the wait would not end before its deadline.
//
// A failing response is settled by the attempt that got it, before the
// loop decides: its body is read, up to 64 KiB and for at most half a
// second (one that takes longer is cut there). A body that ends within
// that is closed at once, so that its connection is free for the next
// attempt, and the response keeps what was read. A longer body, or one
// that declares more than 64 KiB, stays open until the next attempt,
// which drains it (at most 64 KiB, for at most half a second, else the
// connection is closed) and closes it; on giving up it comes back readable
// in full. When it gives up on a request that
// got a response, for whatever reason (the status is Permanent, the
// attempts are spent, the budget refuses, the next wait would not fit the
// deadline), RoundTrip returns that last response with a nil error, status
// and body as the server sent them, just as http.Transport would have. It
// returns an error only when it has no response to return: the last
// attempt failed without one, or the request's context ended, or (rarely)
// the deadline passed during a wait (see [Transport.RoundTrip]).
//
// # Classifying responses
//
// A response that the status rule lets through, a 200 for instance, may
// still not be the answer: a job that is still pending, a body that says
// "try again". A Transport's loop is retry.Do for *http.Response, so
// retry.ClassifyResult, among the options of Retry, classifies its
// responses as retry.Do classifies any value: the classifier is asked
// about every response that the status rule lets through, and one that
// it rejects is a failed attempt of the class it gives, with that class's
// backoff and cap, the budget, the deadline, and events whose Rejected is
// true. [ReadBody] reads the body for the classifier and leaves it
// readable again:
//
//	pending := retry.ClassifyResult(func(resp *http.Response) (classify.Class, bool) {
//		body, err := retryhttp.ReadBody(resp)
//		return classify.Transient, err != nil || bytes.Contains(body, []byte(`"pending"`))
//	})
//	client := retryhttp.NewClient(retryhttp.Retry(pending))
//
// A rejected response is handled as a failing one: the next attempt
// drains and closes it (at most 64 KiB, for at most half a second), so
// that its connection serves that attempt, and when the loop gives up
// after it, for whatever reason, RoundTrip returns it, readable in full,
// with a nil error, as it returns a 503. A classifier that reads the body
// with ReadBody frees the connection at once, before the loop waits; one
// that reads the body otherwise leaves it half read for the caller. The
// status rule stays as it is: a response from 400 to 599 fails with its
// [*StatusError] before any classifier sees it; a redirect reaches the
// classifier before the http.Client follows it. A request that is not
// idempotent is sent once, whatever the classifier says. The classifier
// is called on the goroutine of RoundTrip, concurrently for concurrent
// requests.
//
// A classifier of responses is for a Transport. [Do], whose values are
// decode's, leaves out one among its client's Transport's options, and
// takes one of its own, retry.ClassifyResult for its T, among its options.
//
// # Reading the body in the attempt
//
// Once RoundTrip has returned a response, its body is the caller's: a
// connection that breaks while the body is read fails the read, and a
// Transport cannot send the request again. [Do] makes reading and decoding
// the body part of the attempt, so that such a failure is retried like
// any other:
//
//	user, err := retryhttp.Do(client, req, func(resp *http.Response) (User, error) {
//		var u User
//		err := json.NewDecoder(resp.Body).Decode(&u)
//		return u, err
//	})
//
// decode sees every response, its status included, and Do closes the body
// after it. A status from 400 to 599 fails the attempt as it does in a
// Transport, with a *StatusError, and decode's error, if it returns one,
// beside it; an error of decode's fails it too. A body cut short fails
// with io.ErrUnexpectedEOF in the tree, which is Transient.
//
// Do follows the rules of the client's Transport, if it is a *Transport:
// its idempotency rule, budget and retry options, and sends its attempts
// through it without letting it retry them, so that the two loops do not
// multiply attempts. A request that is not idempotent is sent once, as a
// Transport sends it.
//
// Recipe: a client for a JSON API whose responses are large or whose
// network drops connections. Make one client with NewClient and the
// options of the API (attempts, deadline, a budget), share it, and call
// each endpoint through Do with a decode of its own. Reads that fail are
// then retried within the same attempts, deadline and budget as failed
// requests; a POST is retried only with an Idempotency-Key. When no budget
// is needed, a plain http.Client will do: pass the retry options to Do.
//
// # Timeouts and the response's lifetime
//
// retry.AttemptTimeout bounds each attempt until its response headers
// arrive, and retry.Deadline and the request's context bound the whole
// call. The body of the response that RoundTrip returns is bounded by the
// request's context alone: it stays readable, however long it takes to
// read, until the caller closes it, which also releases the context that
// the Transport made for it. So close every body, as http.Client's
// documentation asks.
//
// # Budgets
//
// Each destination (scheme, host and port) has a retry budget of its own,
// retry.NewBudget(0.1, 10): its retries are at most 10% of its requests,
// plus one per request that succeeds, plus 10, so that a host that is
// down gets little more than its ordinary traffic, and cannot use up the
// retries of other hosts. [BudgetPerHost]
// sets other parameters, [Budget] shares one budget among every
// destination, [NoBudget] lifts it. A request that the budget refuses
// returns its last response, or fails with retry.ErrBudgetExhausted.
//
// # Circuit breakers
//
// A budget bounds the retries that a host that is down gets; a circuit
// breaker spares it the first attempts too, while it recovers, and spares
// the callers a wait for each failure. [BreakerPerHost] gives each
// destination a breaker of its own, shared by every request of the
// Transport (and of Do through a client whose Transport it is):
//
//	client := retryhttp.NewClient(retryhttp.BreakerPerHost(breaker.Config{}))
//
// It is off by default: it turns a failing host's errors into refusals
// that callers see at once, which a caller should choose. The zero
// breaker.Config is safe to turn on: a host's breaker opens when four in five of its
// requests of the last 10 seconds fail, given at least 20 of them, or
// after 20 failures in a row (more than the 6 attempts of one request, so
// that one request alone never opens it); 5xx statuses, timeouts and
// broken connections count, those of requests that are sent once too, a
// 404 or a cancelled request does not; and a
// 429 with Retry-After opens it for the hinted time. Once open, it
// refuses requests for about 5 seconds, then lets one probe through: a
// success closes it, a failure opens it again for longer. A refused
// attempt is not sent, spends no budget, and is told to subscribers as an
// observe.BreakerRejected. A request refused before its first attempt
// waits for the probe if that fits its deadline, and otherwise fails at
// once with an error matching retry.ErrBreakerOpen and breaker.ErrOpen,
// its body closed. Each breaker is named after its destination, such as
// "https://example.com:443", in its events and errors; give
// breaker.Config.Subscribers a subscriber, such as package
// observe/promobserve's, whose gauge reflexio_breaker_state shows each
// host's state.
//
// # Hedging
//
// Retries help a request that fails; [Hedge] helps one that is merely
// slow. With Hedge(delay, max), a request that has not answered after
// delay is sent again, up to max attempts in flight at once, and the first
// response that does not fail is returned; the others are cancelled, and
// RoundTrip returns only once every attempt has:
//
//	client := retryhttp.NewClient(retryhttp.Hedge(50*time.Millisecond, 2))
//
// A fixed delay is too short when a host is loaded, and hedges most
// requests, and too long when it is fast, and cuts no tail.
// [HedgeAdaptive] hedges each destination (scheme, host and port, as its
// budget and breaker are kept) after a high quantile of its own recent
// latency instead, by default the 95th percentile of the last 10 seconds,
// within a floor and a cap, and at a fallback until 20 of its attempts
// have been measured (see retry.LatencyConfig); a slow host does not move
// the delay of another:
//
//	client := retryhttp.NewClient(retryhttp.HedgeAdaptive(retry.LatencyConfig{Cap: 200 * time.Millisecond}, 2))
//
// What it measures is each attempt's time to its response headers, not
// the reading of the body: every attempt of a hedged request that ends
// by itself, a success or a failure, counts; a loser that was cancelled,
// or a request that is not hedged, does not.
//
// Only requests that may be sent again are hedged: those that the
// idempotency rule allows (GET, HEAD, OPTIONS, TRACE, PUT, DELETE, or a
// request with an Idempotency-Key, by default) and whose body can be
// replayed; a POST is sent once, hedging or not. Each attempt sends a body
// of its own, the first the request's, the others a copy from GetBody. A
// hedge is an attempt like a retry: retry.MaxAttempts counts it, the
// budget pays for it (a budget that refuses stops new hedges, never the
// attempts in flight), and the breaker is asked first. A loser's request
// is cancelled and its response, if it got one, closed unread, which
// closes its connection rather than make the caller wait for it; a failed
// or rejected response is drained and closed as without hedging, and the
// last one comes back readable when the loop gives up. Hedging runs the
// request through retry.DoHedged; [Do] does not hedge.
//
// # Events and errors
//
// Events carry the name "METHOD host", such as "GET example.com:8080",
// unless retry.Name sets another. No event and no error that a Transport
// makes holds the secrets of the request's URL: its user info, query and
// fragment. A failed attempt's error is a *StatusError, which names the
// method and host alone, or the wrapped RoundTripper's error prefixed with
// them, with its text redacted as [Redact] does: whether that error holds
// a *url.Error, or writes the URL into its text (whole, or its query, or
// its password), what shows of the URL is its scheme, host and path, and
// errors.As finds the *url.Error redacted too. errors.Is and errors.As see
// every other error of the tree as it was. A request that fails without a
// response returns the *retry.Error that says why the loop gave up, with
// that error as its last.
//
// An http.Client, though, wraps every error that its Transport returns in
// a *url.Error whose text holds the request's URL, query and user name
// included (it masks the password only). Log [Redact] of such an error, or
// of any error that wraps one, when URLs may carry secrets.
//
// A *retry.Error is Permanent to an outer retry loop, so that a call that
// the Transport gave up on is not retried again by a caller that retries
// too; a response that RoundTrip returns is the caller's to judge.
package retryhttp
