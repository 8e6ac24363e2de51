package retry_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/retry"
)

func TestBudgetsGivesEachKeyItsOwnBudget(t *testing.T) {
	s := retry.NewBudgets(0.1, 3, 10)
	a, b := s.For("a"), s.For("b")
	if a == b {
		t.Fatalf("For(a) = For(b) = %p; want two Budgets", a)
	}
	if got := s.For("a"); got != a {
		t.Errorf("For(a) again = %p; want %p, the first", got, a)
	}
	if got := a.Available(); got != 3 {
		t.Errorf("For(a).Available() = %v; want 3, full", got)
	}
	if got := s.Len(); got != 2 {
		t.Errorf("Len() = %d; want 2", got)
	}
}

// drain spends the reserve of b with calls that fail and would retry.
func drain(t *testing.T, b *retry.Budget) {
	t.Helper()
	fail := errors.New("boom")
	for i := 0; b.Available() >= 1; i++ {
		if i == 1000 {
			t.Fatalf("%v still has %v retries after 1000 failing calls", b, b.Available())
		}
		retry.Run(context.Background(), func(context.Context) error { return fail },
			b, retry.MaxAttempts(2), retry.Backoff(backoff.Constant(0)))
	}
}

func TestBudgetsForgetsTheLeastRecentlyUsedKey(t *testing.T) {
	s := retry.NewBudgets(0, 2, 3)
	a := s.For("a")
	drain(t, a)
	s.For("b")
	s.For("c")
	s.For("a") // a is now more recent than b
	s.For("d") // evicts b
	if got := s.Len(); got != 3 {
		t.Fatalf("Len() = %d; want 3, the maximum", got)
	}
	if got := s.For("a"); got != a {
		t.Errorf("For(a) after d arrived = %p; want %p: a was used after b", got, a)
	}
	s.For("e") // evicts c: b is gone, a and d were used after c
	s.For("f") // evicts a or d, whichever was used longest ago: a was used after d
	if got := s.For("d"); got == nil {
		t.Fatal("For(d) = nil")
	}
	// a is forgotten now: its next use gets a fresh, full Budget.
	s2 := retry.NewBudgets(0, 2, 1)
	x := s2.For("x")
	drain(t, x)
	s2.For("y") // evicts x
	fresh := s2.For("x")
	if fresh == x {
		t.Fatalf("For(x) after eviction = the old Budget; want a fresh one")
	}
	if got := fresh.Available(); got != 2 {
		t.Errorf("fresh Budget's Available() = %v; want 2, full", got)
	}
}

func TestBudgetsNeverExceedsMaxKeys(t *testing.T) {
	s := retry.NewBudgets(0.1, 10, 5)
	for i := range 100 {
		s.For(strconv.Itoa(i))
		if got := s.Len(); got > 5 {
			t.Fatalf("Len() after %d keys = %d; want at most 5", i+1, got)
		}
	}
}

func TestBudgetsZeroValueHasTheDefaults(t *testing.T) {
	var s retry.Budgets
	if got, want := s.String(), "Budgets(0.1, 10, 1024)"; got != want {
		t.Errorf("String() = %q; want %q", got, want)
	}
	b := s.For("a")
	if got, want := b.String(), "Budget(0.1, 10)"; got != want {
		t.Errorf("For(a) = %v; want %v", got, want)
	}
	for i := range retry.DefaultMaxKeys + 10 {
		s.For(strconv.Itoa(i))
	}
	if got := s.Len(); got != retry.DefaultMaxKeys {
		t.Errorf("Len() = %d; want DefaultMaxKeys", got)
	}
}

func TestBudgetsRejectsBadParameters(t *testing.T) {
	tests := []struct {
		ratio         float64
		burst, maxKey int
		want          string
	}{
		{-1, 10, 5, "retry: Budget(-1, 10): ratio -1 must be within [0, 1000]"},
		{0.1, 0, 5, "retry: Budget(0.1, 0): burst 0 must be at least 1"},
		{0.1, 10, 0, "retry: Budget(0.1, 10): maxKeys 0 of Budgets must be at least 1"},
		{0.1, 10, -2, "retry: Budget(0.1, 10): maxKeys -2 of Budgets must be at least 1"},
	}
	for _, tt := range tests {
		s := retry.NewBudgets(tt.ratio, tt.burst, tt.maxKey)
		calls := 0
		err := retry.Run(context.Background(), func(context.Context) error { calls++; return nil }, s.For("a"))
		if err == nil || err.Error() != tt.want || !errors.Is(err, retry.ErrInvalidOption) {
			t.Errorf("Run(%v.For(a)) = %v; want %q matching ErrInvalidOption", s, err, tt.want)
		}
		if calls != 0 {
			t.Errorf("Run(%v.For(a)) made %d attempts; want 0", s, calls)
		}
		if got := s.Len(); got != 0 {
			t.Errorf("%v.Len() = %d; want 0: an invalid Budgets keeps nothing", s, got)
		}
	}
}

func TestBudgetsLookupDoesNotAllocate(t *testing.T) {
	s := retry.NewBudgets(0.1, 10, 10)
	s.For("users.internal:443")
	key := "users.internal:443"
	if n := testing.AllocsPerRun(100, func() { s.For(key) }); n != 0 {
		t.Errorf("For of a kept key: %v allocations; want 0", n)
	}
}

func TestBudgetsConcurrentUse(t *testing.T) {
	s := retry.NewBudgets(0.1, 10, 8)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				key := strconv.Itoa((g*7 + i) % 12)
				b := s.For(key)
				retry.Run(context.Background(), func(context.Context) error { return nil }, b)
			}
		})
	}
	wg.Wait()
	if got := s.Len(); got > 8 {
		t.Errorf("Len() = %d; want at most 8", got)
	}
}

func BenchmarkBudgetsFor(b *testing.B) {
	s := retry.NewBudgets(0.1, 10, 64)
	keys := make([]string, 16)
	for i := range keys {
		keys[i] = "host" + strconv.Itoa(i) + ".internal:443"
		s.For(keys[i])
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			s.For(keys[i%len(keys)])
			i++
		}
	})
}
