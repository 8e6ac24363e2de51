package integration

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/reflexio-go/reflexio/retry"
)

func id(s string) string { return s }

func TestOptionPerKey(t *testing.T) {
	var b Budgets
	a1 := Option(&b, "a", id)
	if a2 := Option(&b, "a", id); a1 != a2 {
		t.Errorf("Option(a) twice = %v, %v; want the same Budget", a1, a2)
	}
	if c := Option(&b, "c", id); c == a1 {
		t.Errorf("Option(c) = Option(a); want a Budget of its own")
	}
	if got, want := a1.String(), "Budget(0.1, 10)"; got != want {
		t.Errorf("Option(a) = %v; want %v", got, want)
	}
}

func TestOptionSharedAndNone(t *testing.T) {
	calls := 0
	key := func(string) string { calls++; return "" }
	shared := retry.NewBudget(1, 1)
	var b Budgets
	b.Set(Shared(shared))
	if got := Option(&b, "a", key); got != retry.Option(shared) {
		t.Errorf("Option = %v; want the shared Budget", got)
	}
	b.Set(None())
	if got := Option(&b, "a", key); got.String() != "NoBudget()" {
		t.Errorf("Option = %v; want NoBudget()", got)
	}
	if calls != 0 {
		t.Errorf("key called %d times; want 0", calls)
	}
}

func TestPolicyString(t *testing.T) {
	tests := []struct {
		p    Policy
		want string
	}{
		{Policy{}, "BudgetPerHost(0.1, 10)"},
		{PerKey(0.5, 3), "BudgetPerHost(0.5, 3)"},
		{None(), "NoBudget()"},
		{Shared(retry.NewBudget(0.2, 4)), "Budget(Budget(0.2, 4))"},
	}
	for _, tt := range tests {
		if got := tt.p.String("BudgetPerHost"); got != tt.want {
			t.Errorf("String = %q; want %q", got, tt.want)
		}
	}
	if got := Shared(nil).Invalid(); got == "" {
		t.Error("Shared(nil).Invalid() = \"\"; want a reason")
	}
}

func TestOptionError(t *testing.T) {
	err := error(&OptionError{Pkg: "retryhttp", Option: "Budget(<nil>)", Reason: "budget is nil"})
	if got, want := err.Error(), "retryhttp: Budget(<nil>): budget is nil"; got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
	if !errors.Is(err, retry.ErrInvalidOption) {
		t.Error("errors.Is(err, ErrInvalidOption) = false")
	}
}

func TestJoin(t *testing.T) {
	if got, want := Join([]retry.Option{retry.MaxAttempts(3), retry.NoBudget()}), "MaxAttempts(3), NoBudget()"; got != want {
		t.Errorf("Join = %q; want %q", got, want)
	}
}

func TestApply(t *testing.T) {
	var applied []string
	var failed []string
	opts := []fmt.Stringer{retry.MaxAttempts(1), nil, retry.NoBudget()}
	Apply(opts, func(o fmt.Stringer) { applied = append(applied, o.String()) }, func(r string) { failed = append(failed, r) })
	if want := []string{"MaxAttempts(1)", "NoBudget()"}; !slices.Equal(applied, want) {
		t.Errorf("applied %q; want %q", applied, want)
	}
	if want := []string{"option 1 is nil"}; !slices.Equal(failed, want) {
		t.Errorf("failed %q; want %q", failed, want)
	}
}

func TestAddRetryAndBundle(t *testing.T) {
	var to []retry.Option
	if r := AddRetry(&to, []retry.Option{retry.MaxAttempts(2), nil}); r != "option 1 is nil" || len(to) != 0 {
		t.Errorf("AddRetry with a nil = %q, %d options; want \"option 1 is nil\", 0", r, len(to))
	}
	if Bundle(to) != nil {
		t.Error("Bundle(none) != nil")
	}
	if r := AddRetry(&to, []retry.Option{retry.MaxAttempts(2)}); r != "" || len(to) != 1 {
		t.Errorf("AddRetry = %q, %d options; want \"\", 1", r, len(to))
	}
	if Bundle(to) == nil {
		t.Error("Bundle(one) = nil")
	}
	if got := Func("Idempotent", true) + " " + Func("Idempotent", false); got != "Idempotent(nil) Idempotent(…)" {
		t.Errorf("Func = %q", got)
	}
}
