// Package shared plays the part of a package of your own that states, once,
// how a service retries its dependencies. The root example of the module
// imports it to show a bundle of options exported by one package and used,
// and overridden, by another.
package shared

import (
	"time"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/retry"
)

// Idempotent is how calls that are safe to repeat are retried: up to five
// attempts within 30 seconds, decorrelated jitter, a longer backoff when the
// server says it is overloaded, and retries bounded to a tenth of the
// traffic by a budget that every call of the bundle shares.
var Idempotent = retry.Options(
	retry.NewBudget(0.1, 10),
	retry.MaxAttempts(5),
	retry.Deadline(30*time.Second),
	retry.Backoff(backoff.DecorrelatedJitter(100*time.Millisecond, 5*time.Second)),
	retry.BackoffFor(classify.RateLimit, backoff.DecorrelatedJitter(time.Second, 20*time.Second)),
)
