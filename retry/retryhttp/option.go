package retryhttp

import (
	"net/http"

	"github.com/reflexio-go/reflexio/internal/integration"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/breaker"
)

// An Option configures a Transport. Options apply in order, when New is
// called: for a setting the last one wins; the retry options of Retry add
// up. Every Option prints itself as the call that made it, such as
// "NoBudget()".
type Option interface {
	apply(t *Transport)
	String() string
}

// Retry sets how requests are retried, with the options of package retry:
// attempts, deadline, backoff, classifier, subscribers and the rest. They
// apply after the Transport's own defaults, so they override them: a
// retry.Name replaces the name "METHOD host"; a retry.Budget or
// retry.NoBudget replaces the budget of BudgetPerHost, Budget or NoBudget;
// a retry.Breaker or retry.NoBreaker replaces the breakers of
// BreakerPerHost.
// Several Retry options add up, in order, as if they were one.
//
// retry.AttemptTimeout bounds each attempt until its response headers
// arrive; the body of the response that RoundTrip returns lives on until
// the caller closes it (see the package documentation). A
// retry.ClassifyResult for *http.Response, or a retry.Poll, judges the
// responses whose status does not fail (see "Classifying responses" in
// the package documentation).
//
// Default: none; package retry's defaults apply.
func Retry(opts ...retry.Option) Option {
	return &retryOptions{append([]retry.Option(nil), opts...)}
}

// retryOptions is a pointer, so that it compares equal to itself alone.
type retryOptions struct{ opts []retry.Option }

func (o *retryOptions) String() string { return "Retry(" + integration.Join(o.opts) + ")" }

func (o *retryOptions) apply(t *Transport) {
	if reason := integration.AddRetry(&t.retryOpts, o.opts); reason != "" {
		t.fail(o, reason)
	}
}

// Idempotent sets the rule that says whether a request may be sent more
// than once. A request for which it returns false is sent once and never
// retried, and the failure it meets says so (ErrNotIdempotent). Extend the
// default rule rather than replace it, unless you mean to:
//
//	retryhttp.Idempotent(func(r *http.Request) bool {
//		return retryhttp.IsIdempotent(r) || r.URL.Path == "/search" // a POST that only reads
//	})
//
// The rule is called once per request, on the goroutine of RoundTrip, and
// must be safe for concurrent use. Whatever it says, a request whose body
// cannot be replayed is sent only once.
//
// Default: IsIdempotent.
func Idempotent(rule func(*http.Request) bool) Option { return idempotent{rule} }

type idempotent struct{ rule func(*http.Request) bool }

func (o idempotent) String() string { return integration.Func("Idempotent", o.rule == nil) }

func (o idempotent) apply(t *Transport) {
	if o.rule == nil {
		t.fail(o, "rule is nil")
		return
	}
	t.idempotent = o.rule
}

// IsIdempotent is the default rule of Idempotent: it reports whether req's
// method is one that RFC 9110 defines as idempotent (GET, HEAD, OPTIONS,
// TRACE, PUT, DELETE; an empty method is GET) or req carries an
// Idempotency-Key header, with which the client asks the server to apply a
// repeated request only once.
func IsIdempotent(req *http.Request) bool {
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace,
		http.MethodPut, http.MethodDelete:
		return true
	}
	return len(req.Header.Values("Idempotency-Key")) > 0
}

// BudgetPerHost gives each destination (scheme, host and port) a
// retry.Budget of its own, made with retry.NewBudget(ratio, burst) at its
// first request, so that a host that is down cannot use up the retries of
// the others. Invalid parameters make every request fail with
// retry.ErrInvalidOption before it is sent.
//
// The Transport keeps the budgets of retry.DefaultMaxKeys destinations at
// most, in a retry.Budgets: past that, the destination least recently
// called is forgotten, and gets a fresh, full budget when it is called
// again. A client that calls an unbounded number of hosts, such as a
// crawler, should share one Budget or use NoBudget instead.
//
// Default: BudgetPerHost(0.1, 10).
func BudgetPerHost(ratio float64, burst int) Option {
	return budgetPolicy{integration.PerKey(ratio, burst)}
}

// Budget makes every request share b, whatever its destination: use it to
// share one budget among Transports, or among the Transports and other
// callers of one dependency. b must not be nil.
//
// Default: BudgetPerHost(0.1, 10).
func Budget(b *retry.Budget) Option { return budgetPolicy{integration.Shared(b)} }

// NoBudget lifts the retry budget: each request's retries are bounded by
// its attempt caps and deadline alone.
//
// Default: BudgetPerHost(0.1, 10).
func NoBudget() Option { return budgetPolicy{integration.None()} }

// budgetPolicy is the budget option.
type budgetPolicy struct{ p integration.Policy }

func (o budgetPolicy) String() string { return o.p.String("BudgetPerHost") }

func (o budgetPolicy) apply(t *Transport) {
	if reason := o.p.Invalid(); reason != "" {
		t.fail(o, reason)
		return
	}
	t.budgets.Set(o.p)
}

// BreakerPerHost gives each destination (scheme, host and port, as for
// BudgetPerHost) a circuit breaker of its own, made with breaker.New(cfg)
// at its first request and named after the destination (unless cfg names
// it), so that a host that is down is spared the requests of every caller
// of the Transport while it recovers, and no other host is. The zero
// Config is the breaker's defaults: it opens when four in five calls of
// the last 10 seconds fail (given at least 20 of them), or after 20 failures
// in a row; it stays open for 5 seconds, up to 10 if its probes fail; a 429
// with Retry-After opens it for the hinted time, capped at a minute. A
// 404, or any other Permanent failure, does not count against the host,
// nor does a request that the caller's context ended.
//
// Each attempt of a request asks the breaker first (see retry.Breaker). A
// request that it refuses waits for the breaker's next probe if that fits
// the request's deadline; if not, RoundTrip returns at once, the request
// not sent and its body closed, with an error that matches
// retry.ErrBreakerOpen and breaker.ErrOpen, or, if an earlier attempt of
// the request got a response, that response, as when the loop gives up
// after any other refusal. cfg.Subscribers see every change of state of
// every host's breaker, named after its destination.
//
// A request that is sent once because it must not be sent again (see
// Idempotent), such as a POST, is refused like any other, and its failure
// counts against the host by the class of its own error (a 503 does, a
// 404 does not), not by the Permanent that stops its retries.
//
// The Transport keeps the breakers of retry.DefaultMaxKeys destinations at
// most, in a retry.Breakers: past that, the destination least recently
// called is forgotten, and gets a fresh, closed breaker when it is called
// again. A retry.Breaker or retry.NoBreaker among the options of Retry
// replaces the breakers of BreakerPerHost. An invalid cfg makes every
// request fail before it is sent, with an error matching
// retry.ErrInvalidOption and breaker.ErrInvalidConfig.
//
// Default: none; the breaker is off until this option turns it on.
func BreakerPerHost(cfg breaker.Config) Option { return breakerPerHost{cfg} }

type breakerPerHost struct{ cfg breaker.Config }

func (o breakerPerHost) String() string {
	return "BreakerPerHost(" + integration.ConfigString(o.cfg) + ")"
}

func (o breakerPerHost) apply(t *Transport) {
	if err := t.breakers.Set(o.cfg); err != nil {
		integration.FailWith(&t.err, "retryhttp", o, err)
	}
}
