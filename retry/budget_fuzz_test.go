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
// each failing a number of times that the input says, and checks it against
// a model of the rule its doc states (each call that begins earns ratio of a
// retry, each call that succeeds earns one, each retry spends one, the
// reserve holds at most burst): every call makes the attempts the model
// says, Available is exactly the model's reserve, and the bound holds on the
// whole sequence and on every interval of it: retries ≤ ratio × calls begun
// + calls succeeded + burst. Bad parameters must fail every call with
// ErrInvalidOption before its operation runs.
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
	f.Add(0.0, 2, []byte{11, 11, 2, 11, 0, 0, 11})
	f.Fuzz(func(t *testing.T, ratio float64, burst int, failures []byte) {
		if len(failures) > 64 {
			failures = failures[:64]
		}
		budget := retry.NewBudget(ratio, burst)
		valid := ratio >= 0 && ratio <= 1000 && burst >= 1 && burst <= math.MaxInt64/micro
		const maxAttempts = 10
		opts := retry.Options(budget, retry.MaxAttempts(maxAttempts), retry.Backoff(backoff.Constant(0)), retry.NoDeadline())

		// The model's reserve, in millionths of a retry, as the doc says.
		var reserve, capacity, deposit int64
		if valid {
			capacity, deposit = int64(burst)*micro, int64(ratio*micro)
			reserve = capacity
		}
		add := func(n int64) { reserve = min(reserve+n, capacity) }

		retries := make([]int, len(failures))
		succeeded := make([]bool, len(failures))
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

			add(deposit)
			want := 1
			for want <= fail && want < maxAttempts && reserve >= micro {
				reserve -= micro
				want++
			}
			if want > fail {
				add(micro)
			}
			if attempts != want || (err == nil) != (want > fail) {
				t.Fatalf("NewBudget(%v, %d): call %d (failing %d times) = %v after %d attempts; want %d", ratio, burst, i, fail, err, attempts, want)
			}
			if got, want := budget.Available(), float64(reserve/micro)+float64(reserve%micro)/micro; got != want {
				t.Fatalf("NewBudget(%v, %d): Available() = %v after call %d; want %v", ratio, burst, got, i, want)
			}
			if a := budget.Available(); a < 0 || a > float64(burst) || math.IsNaN(a) {
				t.Fatalf("NewBudget(%v, %d): Available() = %v; want within [0, %d]", ratio, burst, a, burst)
			}
			retries[i], succeeded[i] = attempts-1, err == nil
		}
		for i := range retries {
			sum, ok := 0, 0
			for j := i; j < len(retries); j++ {
				sum += retries[j]
				if succeeded[j] {
					ok++
				}
				if bound := ratio*float64(j-i+1) + float64(ok) + float64(burst); float64(sum) > bound {
					t.Fatalf("NewBudget(%v, %d): calls %d..%d made %d retries, %d succeeded; bound %v", ratio, burst, i, j, sum, ok, bound)
				}
			}
		}
	})
}

// micro is the Budget's unit: a millionth of a retry.
const micro = 1_000_000
