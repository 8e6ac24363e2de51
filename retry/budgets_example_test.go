package retry_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/retry"
)

// A Budgets gives each downstream a Budget of its own: here, a host that
// fails every call spends its own retries, and the other keeps all of
// its own.
func ExampleBudgets() {
	perHost := retry.NewBudgets(0, 3, 100) // at most 3 retries each, none earned
	down := errors.New("connection refused")
	for range 5 {
		retry.Run(context.Background(), func(context.Context) error { return down },
			perHost.For("a.internal:443"), retry.MaxAttempts(3), retry.Backoff(backoff.Constant(0)))
	}
	fmt.Println("a:", perHost.For("a.internal:443").Available())
	fmt.Println("b:", perHost.For("b.internal:443").Available())
	// Output:
	// a: 0
	// b: 3
}
