package classify_test

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"sync"
	"testing"

	"github.com/reflexio-go/reflexio/classify"
)

// always returns a Classifier that classifies every error as c and counts
// its calls in *calls.
func always(c classify.Class, calls *int) classify.Classifier {
	return classify.Func(func(error) classify.Class {
		*calls++
		return c
	})
}

func TestFunc(t *testing.T) {
	err := errors.New("boom")
	var got error
	f := classify.Func(func(e error) classify.Class {
		got = e
		return classify.RateLimit
	})
	if c := f.Classify(err); c != classify.RateLimit {
		t.Errorf("Classify(%v) = %v; want %v", err, c, classify.RateLimit)
	}
	if got != err {
		t.Errorf("Func called with %v; want %v", got, err)
	}
}

func TestChain(t *testing.T) {
	err := errors.New("boom")
	var nilFunc classify.Func
	tests := []struct {
		name  string
		build func(calls []int) classify.Classifier
		want  classify.Class
		calls []int // calls of each counting member
	}{
		{
			name:  "empty chain has no opinion",
			build: func([]int) classify.Classifier { return classify.Chain() },
			want:  classify.Unknown,
			calls: []int{},
		},
		{
			name: "first opinion wins",
			build: func(n []int) classify.Classifier {
				return classify.Chain(always(classify.Transient, &n[0]), always(classify.Permanent, &n[1]))
			},
			want:  classify.Transient,
			calls: []int{1, 0},
		},
		{
			name: "unknown passes on to the next member",
			build: func(n []int) classify.Classifier {
				return classify.Chain(always(classify.Unknown, &n[0]), always(classify.Concurrency, &n[1]))
			},
			want:  classify.Concurrency,
			calls: []int{1, 1},
		},
		{
			name: "all unknown is unknown",
			build: func(n []int) classify.Classifier {
				return classify.Chain(always(classify.Unknown, &n[0]), always(classify.Unknown, &n[1]), always(classify.Unknown, &n[2]))
			},
			want:  classify.Unknown,
			calls: []int{1, 1, 1},
		},
		{
			name: "nil members are skipped",
			build: func(n []int) classify.Classifier {
				return classify.Chain(nil, always(classify.Unknown, &n[0]), nil, nilFunc, always(classify.ServerError, &n[1]), nil)
			},
			want:  classify.ServerError,
			calls: []int{1, 1},
		},
		{
			name:  "only nil members",
			build: func([]int) classify.Classifier { return classify.Chain(nil, nilFunc) },
			want:  classify.Unknown,
			calls: []int{},
		},
		{
			name: "nested chain keeps its order",
			build: func(n []int) classify.Classifier {
				inner := classify.Chain(always(classify.Unknown, &n[1]), always(classify.RateLimit, &n[2]))
				return classify.Chain(always(classify.Unknown, &n[0]), inner, always(classify.Permanent, &n[3]))
			},
			want:  classify.RateLimit,
			calls: []int{1, 1, 1, 0},
		},
		{
			name: "chain of chains of chains",
			build: func(n []int) classify.Classifier {
				c := classify.Chain(always(classify.Unknown, &n[0]))
				c = classify.Chain(c, classify.Chain(c))
				return classify.Chain(c, always(classify.Transient, &n[1]))
			},
			want:  classify.Transient,
			calls: []int{2, 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := make([]int, len(tt.calls))
			c := tt.build(calls)
			if got := c.Classify(err); got != tt.want {
				t.Errorf("Classify(%v) = %v; want %v", err, got, tt.want)
			}
			for i := range calls {
				if calls[i] != tt.calls[i] {
					t.Errorf("member %d called %d times; want %d", i, calls[i], tt.calls[i])
				}
			}
		})
	}
}

func TestChainFlattens(t *testing.T) {
	// A flattened chain prints as one list: no Chain inside a Chain.
	inner := classify.Chain(classify.Is(io.EOF, classify.Transient), classify.Default())
	outer := classify.Chain(classify.As[*net.OpError](classify.Transient), inner, classify.ByTypeName())
	want := "classify.Chain(classify.As[*net.OpError](classify.Transient), " +
		"classify.Is(EOF, classify.Transient), classify.Default(), classify.ByTypeName())"
	if got := fmt.Sprint(outer); got != want {
		t.Errorf("Chain(…) prints %q; want %q", got, want)
	}
}

func TestClassifierString(t *testing.T) {
	tests := []struct {
		c    classify.Classifier
		want string
	}{
		{classify.Default(), "classify.Default()"},
		{classify.ByTypeName(), "classify.ByTypeName()"},
		{classify.Chain(), "classify.Chain()"},
		{classify.Is(fs.ErrNotExist, classify.Permanent), "classify.Is(file does not exist, classify.Permanent)"},
		{classify.Is(nil, classify.Permanent), "classify.Is(<nil>, classify.Permanent)"},
		{classify.As[*quotaError](classify.RateLimit), "classify.As[*classify_test.quotaError](classify.RateLimit)"},
		{classify.As[net.Error](classify.Class(9)), "classify.As[net.Error](classify.Class(9))"},
		{classify.Match(func(*pgError) classify.Class { return classify.Unknown }), "classify.Match[*classify_test.pgError](…)"},
	}
	for _, tt := range tests {
		if got := fmt.Sprint(tt.c); got != tt.want {
			t.Errorf("Sprint(%T) = %q; want %q", tt.c, got, tt.want)
		}
	}
}

func TestIs(t *testing.T) {
	rule := classify.Is(fs.ErrNotExist, classify.Permanent)
	tests := []struct {
		name string
		err  error
		want classify.Class
	}{
		{"the target itself", fs.ErrNotExist, classify.Permanent},
		{"wrapped target", fmt.Errorf("open config: %w", fs.ErrNotExist), classify.Permanent},
		{"target in a join", errors.Join(io.EOF, fs.ErrNotExist), classify.Permanent},
		{"target behind a marker", classify.MarkTransient(fs.ErrNotExist), classify.Permanent},
		{"target through an Is method", &fs.PathError{Op: "open", Path: "x", Err: fs.ErrNotExist}, classify.Permanent},
		{"other error", io.EOF, classify.Unknown},
		{"same text is not the same error", errors.New(fs.ErrNotExist.Error()), classify.Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rule.Classify(tt.err); got != tt.want {
				t.Errorf("Classify(%v) = %v; want %v", tt.err, got, tt.want)
			}
		})
	}

	t.Run("nil target matches nothing", func(t *testing.T) {
		err := errors.New("boom")
		if got := classify.Is(nil, classify.Permanent).Classify(err); got != classify.Unknown {
			t.Errorf("Classify(%v) = %v; want %v", err, got, classify.Unknown)
		}
	})
}

func TestAs(t *testing.T) {
	quota := classify.As[*quotaError](classify.RateLimit)
	netErr := classify.As[net.Error](classify.Transient)
	tests := []struct {
		name string
		c    classify.Classifier
		err  error
		want classify.Class
	}{
		{"concrete type", quota, &quotaError{}, classify.RateLimit},
		{"wrapped concrete type", quota, fmt.Errorf("call: %w", &quotaError{}), classify.RateLimit},
		{"concrete type in a join", quota, errors.Join(io.EOF, &quotaError{}), classify.RateLimit},
		{"concrete type behind a marker", quota, classify.MarkPermanent(&quotaError{}), classify.RateLimit},
		{"other type", quota, io.EOF, classify.Unknown},
		{"value where a pointer is wanted", quota, awsStyleError{429}, classify.Unknown},
		{"interface type", netErr, fmt.Errorf("dial: %w", netTimeout{}), classify.Transient},
		{"interface type absent", netErr, io.EOF, classify.Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.Classify(tt.err); got != tt.want {
				t.Errorf("Classify(%v) = %v; want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	var seen []string
	rule := classify.Match(func(e *pgError) classify.Class {
		seen = append(seen, e.code)
		if e.code == "55P03" {
			return classify.Concurrency
		}
		return classify.Unknown
	})
	tests := []struct {
		name string
		err  error
		want classify.Class
		seen []string
	}{
		{"matching code", &pgError{"55P03"}, classify.Concurrency, []string{"55P03"}},
		{"wrapped matching code", fmt.Errorf("lock: %w", &pgError{"55P03"}), classify.Concurrency, []string{"55P03"}},
		{"declines other codes", &pgError{"23505"}, classify.Unknown, []string{"23505"}},
		{"first of its type only", errors.Join(&pgError{"23505"}, &pgError{"55P03"}), classify.Unknown, []string{"23505"}},
		{"not called for other types", io.EOF, classify.Unknown, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen = nil
			if got := rule.Classify(tt.err); got != tt.want {
				t.Errorf("Classify(%v) = %v; want %v", tt.err, got, tt.want)
			}
			if fmt.Sprint(seen) != fmt.Sprint(tt.seen) {
				t.Errorf("f called with %v; want %v", seen, tt.seen)
			}
		})
	}
}

func TestChainRulesBeforeDefault(t *testing.T) {
	errNoRows := errors.New("no rows")
	c := classify.Chain(
		classify.Is(errNoRows, classify.Permanent),
		classify.As[*quotaError](classify.RateLimit),
		classify.Default(),
	)
	tests := []struct {
		name string
		err  error
		want classify.Class
	}{
		{"Is rule", fmt.Errorf("get: %w", errNoRows), classify.Permanent},
		{"As rule beats the error's own class", &quotaError{class: classify.Transient}, classify.RateLimit},
		{"Default for the rest", &statusError{503}, classify.ServerError},
		{"nothing known", errors.New("boom"), classify.Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.Classify(tt.err); got != tt.want {
				t.Errorf("Classify(%v) = %v; want %v", tt.err, got, tt.want)
			}
		})
	}
}

// TestConcurrentUse shares one classifier of every kind across goroutines;
// run it with -race.
func TestConcurrentUse(t *testing.T) {
	c := classify.Chain(
		classify.Is(io.EOF, classify.Unknown),
		classify.As[*quotaError](classify.RateLimit),
		classify.Match(func(e *pgError) classify.Class { return classify.SQLState(e.code) }),
		classify.Default(),
		classify.ByTypeName(),
	)
	errs := []error{
		&statusError{503},
		&pgError{"40001"},
		classify.MarkRateLimit(errors.New("slow down"), 1),
		fmt.Errorf("x: %w", &net.OpError{Op: "read", Err: io.EOF}),
		errors.Join(io.EOF, &quotaError{}),
	}
	want := make([]classify.Class, len(errs))
	for i, err := range errs {
		want[i] = c.Classify(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				for i, err := range errs {
					if got := c.Classify(err); got != want[i] {
						t.Errorf("Classify(%v) = %v; want %v", err, got, want[i])
					}
					classify.RetryAfter(err)
				}
			}
		})
	}
	wg.Wait()
}
