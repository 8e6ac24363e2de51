// Package reflexio is a module for retrying operations in Go: typed,
// result-returning retries with pluggable error classification, backoff per
// class of error, deadlines and attempt caps, and typed events for logs and
// metrics.
//
// This package holds no code. The module's packages are:
//
//   - [github.com/reflexio-go/reflexio/retry]: Do and Run, the options, the
//     error that says why a call gave up, and retry budgets, per key with
//     Budgets.
//   - [github.com/reflexio-go/reflexio/retry/retryhttp]: an http.RoundTripper
//     that retries, with a retry budget per host, and Do, which reads and
//     decodes the response body inside the retried attempt.
//   - [github.com/reflexio-go/reflexio/classify]: error classes, classifiers
//     and markers.
//   - [github.com/reflexio-go/reflexio/backoff]: jittered backoff strategies
//     and decorators.
//   - [github.com/reflexio-go/reflexio/observe]: typed events and
//     subscribers, with slog and test adapters.
//
// Integrations with heavier dependencies are nested modules of their own:
// retry/retrygrpc (gRPC interceptors), retry/retrypg (PostgreSQL
// transactions with pgx), observe/otelobserve (OpenTelemetry) and
// observe/promobserve (Prometheus).
//
// The examples of this package tell the whole story.
package reflexio
