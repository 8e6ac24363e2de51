package migrate

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	avast "github.com/avast/retry-go/v4"
	backoffv5 "github.com/cenkalti/backoff/v5"
	sethvargo "github.com/sethvargo/go-retry"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/retry"
)

// The peers retry every error alike (go-retry every error marked
// RetryableError). reflexio retries an error that no classifier recognises,
// an Unknown, at most twice in all, whatever MaxAttempts says; every guide
// quotes this test.
func TestUnknownErrorsAreRetriedTwice(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()

		client := down(errHiccup)
		_, _ = backoffv5.Retry(ctx, func() (struct{}, error) { return struct{}{}, client.Ping(ctx) },
			backoffv5.WithMaxTries(4))
		wantCalls(t, "cenkalti", client, 4)

		client = down(errHiccup)
		_ = avast.Do(func() error { return client.Ping(ctx) }, avast.Context(ctx), avast.Attempts(4))
		wantCalls(t, "avast", client, 4)

		client = down(errHiccup)
		_ = sethvargo.Do(ctx, sethvargo.WithMaxRetries(3, sethvargo.NewConstant(time.Second)), retryable(client.Ping))
		wantCalls(t, "sethvargo", client, 4)

		client = down(errHiccup)
		err := retry.Run(ctx, client.Ping, retry.MaxAttempts(4))
		wantCalls(t, "reflexio", client, 2)
		wantIs(t, "reflexio", err, retry.ErrMaxUnknownAttempts, errHiccup)

		// Three ways to retry it as often as the peers did.
		{
			client := down(errHiccup)
			err := retry.Run(ctx, func(ctx context.Context) error {
				return classify.MarkTransient(client.Ping(ctx)) // where the error is made
			}, retry.MaxAttempts(4))
			wantCalls(t, "reflexio, marked", client, 4)
			wantIs(t, "reflexio, marked", err, retry.ErrMaxAttempts, errHiccup)
		}
		{
			client := down(errHiccup)
			hiccups := retry.Classifier(classify.Chain(
				classify.Is(errHiccup, classify.Transient), // a rule of your own
				classify.Default(),
			))
			err := retry.Run(ctx, client.Ping, hiccups, retry.MaxAttempts(4))
			wantCalls(t, "reflexio, a classifier rule", client, 4)
			wantIs(t, "reflexio, a classifier rule", err, retry.ErrMaxAttempts, errHiccup)
		}
		{
			client := down(errHiccup)
			err := retry.Run(ctx, client.Ping,
				retry.MaxAttempts(4), retry.MaxUnknownAttempts(4)) // a higher cap
			wantCalls(t, "reflexio, a higher cap", client, 4)
			wantIs(t, "reflexio, a higher cap", err, retry.ErrMaxAttempts, errHiccup)
		}
	})
}
