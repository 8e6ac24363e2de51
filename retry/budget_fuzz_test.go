package retry_test

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/retry"
)

// FuzzBudget drives a Budget with any parameters and any sequence of calls,
// each failing a number of times that the input says, and checks the
// bound its doc states, on the whole sequence and on every interval of it:
// retries ≤ ratio × calls begun + burst. Bad parameters must fail every call
// with ErrInvalidOption before its operation runs, and the reserve must stay
// within [0, burst].
func FuzzBudget(f *testing.F) {
	f.Add(0.1, 10, []byte{0, 1, 9, 9, 9, 9, 2})
	f.Add(0.0, 1, []byte{9, 9, 9})
	f.Add(1.0/3, 3, []byte{1, 1, 1, 1, 1, 1, 1})
	f.Add(1000.0, 1, []byte{9})
	f.Add(math.NaN(), 10, []byte{1})
	f.Add(math.Inf(1), 10, []byte{1})
	f.Add(-0.5, 10, []byte{1})
	f.Add(0.1, 0, []byte{1})
	f.Add(0.1, math.MaxInt, []byte{1})
	f.Add(5e-7, 1<<40, []byte{4, 4, 4})
	f.Fuzz(func(t *testing.T, ratio float64, burst int, failures []byte) {
		if len(failures) > 64 {
			failures = failures[:64]
		}
		budget := retry.NewBudget(ratio, burst)
		valid := ratio >= 0 && ratio <= 1000 && burst >= 1 && burst <= math.MaxInt64/1_000_000
		opts := retry.Options(budget, retry.MaxAttempts(10), retry.Backoff(backoff.Constant(0)), retry.NoDeadline())

		retries := make([]int, len(failures))
		for i, n := range failures {
			fail := int(n % 12) // at times more failures than attempts
			attempts := 0
			err := retry.Run(context.Background(), func(context.Context) error {
				attempts++
				if attempts <= fail {
					return transient
				}
				return nil
			}, opts)
			if !valid {
				if !errors.Is(err, retry.ErrInvalidOption) || attempts != 0 {
					t.Fatalf("NewBudget(%v, %d): Run = %v after %d attempts; want ErrInvalidOption before any", ratio, burst, err, attempts)
				}
				return
			}
			if attempts == 0 {
				t.Fatalf("NewBudget(%v, %d): a call made no attempt: %v", ratio, burst, err)
			}
			retries[i] = attempts - 1
			if a := budget.Available(); a < 0 || a > float64(burst) || math.IsNaN(a) {
				t.Fatalf("NewBudget(%v, %d): Available() = %v; want within [0, %d]", ratio, burst, a, burst)
			}
		}
		for i := range retries {
			sum := 0
			for j := i; j < len(retries); j++ {
				sum += retries[j]
				if bound := ratio*float64(j-i+1) + float64(burst); float64(sum) > bound {
					t.Fatalf("NewBudget(%v, %d): calls %d..%d made %d retries; bound %v", ratio, burst, i, j, sum, bound)
				}
			}
		}
	})
}
