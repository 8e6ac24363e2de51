package retry_test

import (
	"context"
	"errors"
	"testing"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/retry"
)

// FuzzClassifyResult runs Do over any script of errors and values, with any
// attempt cap, and checks what it returns against a model of the rules: a
// rejected value is a failure of its class, an accepted one ends the call,
// the value returned on giving up is the last one rejected, and the result
// classifier sees every value and no error.
func FuzzClassifyResult(f *testing.F) {
	f.Add([]byte{1, 1, 3}, uint8(5))
	f.Add([]byte{0, 1, 0, 2}, uint8(3))
	f.Add([]byte{1, 4, 3}, uint8(6))
	f.Add([]byte{}, uint8(1))
	f.Fuzz(func(t *testing.T, script []byte, max uint8) {
		if len(script) == 0 {
			script = []byte{3}
		}
		maxAttempts := int(max%8) + 1
		// Outcomes: 0 an error (Transient), 1 a value rejected as
		// Transient, 2 rejected as RateLimit, 3 accepted, 4 rejected as
		// Permanent. The script repeats its last step.
		outcome := func(i int) byte { return script[min(i, len(script)-1)] % 5 }

		calls, verdicts := 0, 0
		op := func(context.Context) (int, error) {
			o := outcome(calls)
			calls++
			if o == 0 {
				return -calls, transient
			}
			return int(o)*1000 + calls, nil
		}
		judge := func(v int) (classify.Class, bool) {
			verdicts++
			switch v / 1000 {
			case 1:
				return classify.Transient, true
			case 2:
				return classify.RateLimit, true
			case 4:
				return classify.Permanent, true
			}
			return 0, false
		}
		got, err := retry.Do(context.Background(), op, retry.Backoff(backoff.Constant(0)),
			retry.MaxAttempts(maxAttempts), retry.ClassifyResult(judge))

		// The model.
		var (
			attempts, values int
			want             int
			reason           error
			rejected         bool // the last attempt's value was rejected
			lastRejected     int  // the last value rejected; 0: none
		)
		for attempts < maxAttempts {
			attempts++
			o := outcome(attempts - 1)
			if o != 0 {
				values++
			}
			rejected = o == 1 || o == 2 || o == 4
			if rejected {
				lastRejected = int(o)*1000 + attempts
			}
			switch {
			case o == 3:
				want, reason = 3000+attempts, nil
			case o == 4:
				reason = retry.ErrPermanent
			case attempts == maxAttempts:
				reason = retry.ErrMaxAttempts
			default:
				continue
			}
			break
		}
		if reason != nil {
			want = lastRejected
		}

		if calls != attempts || verdicts != values {
			t.Fatalf("%d attempts, %d verdicts; want %d and %d", calls, verdicts, attempts, values)
		}
		if got != want {
			t.Errorf("Do returned %d; want %d", got, want)
		}
		if reason == nil {
			if err != nil {
				t.Fatalf("Do = %v; want success", err)
			}
			return
		}
		if !errors.Is(err, reason) || errors.Is(err, retry.ErrRejected) != rejected || errors.Is(err, errReset) == rejected {
			t.Errorf("Do = %v; want %v, rejected %v", err, reason, rejected)
		}
	})
}
