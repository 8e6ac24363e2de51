package retry_test

import (
	"context"
	"testing"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/retry"
)

// What TestAllocs leaves out: a Budget passed on its own, checked for
// being made by NewBudget, and a bundle after other options, opened member
// by member. Each still costs only the attempts' context.
func TestAllocsOfBudgetsAndLateBundles(t *testing.T) {
	skipIfRace(t)
	ctx := context.Background()
	ok := func(context.Context) (int, error) { return 1, nil }
	budget := retry.NewBudget(0.1, 1000)
	zero := retry.Options(retry.Backoff(backoff.Constant(0)))
	tests := []struct {
		name string
		f    func()
	}{
		{"Do with a Budget of its own succeeding at once", func() { retry.Do(ctx, ok, budget) }},
		{"Do with a Budget after an option succeeding at once", func() { retry.Do(ctx, ok, retry.MaxAttempts(3), budget) }},
		{"Do with a bundle after an option succeeding at once", func() { retry.Do(ctx, ok, retry.MaxAttempts(3), zero) }},
		{"Do with a Budget of its own after two zero-delay retries", func() {
			retry.Do(ctx, failTimes(2, transient), budget, retry.Backoff(backoff.Constant(0)))
		}},
	}
	for _, tt := range tests {
		if got := testing.AllocsPerRun(100, tt.f); got != 1 {
			t.Errorf("%s: %v allocs; want 1", tt.name, got)
		}
	}
}
