package retry_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/reflexio-go/reflexio/retry"
)

// A Budget made without NewBudget has no parameters: used as an option, it
// used to mean "no budget" without a word. It fails the call instead.
func TestZeroBudgetIsRejected(t *testing.T) {
	const wantZero = "retry: Budget: the zero Budget has no parameters; make one with NewBudget"
	const wantCopy = "retry: Budget(0.1, 10): a copy of a Budget shares nothing with it; pass the *Budget that NewBudget returned"
	var zero retry.Budget
	// A copy made through reflect, as vet rejects one made by assignment.
	copied := new(retry.Budget)
	reflect.ValueOf(copied).Elem().Set(reflect.ValueOf(retry.NewBudget(0.1, 10)).Elem())
	tests := []struct {
		name string
		opts []retry.Option
		want string
	}{
		{"address of a zero Budget", []retry.Option{&zero}, wantZero},
		{"new(retry.Budget)", []retry.Option{new(retry.Budget)}, wantZero},
		{"zero Budget after other options", []retry.Option{retry.MaxAttempts(2), new(retry.Budget)}, wantZero},
		{"zero Budget in a bundle", []retry.Option{retry.Options(retry.MaxAttempts(2), new(retry.Budget))}, wantZero},
		{"zero Budget in a bundle after an override", []retry.Option{retry.MaxAttempts(2), retry.Options(new(retry.Budget))}, wantZero},
		{"copy of a Budget", []retry.Option{copied}, wantCopy},
		{"copy of a Budget in a bundle", []retry.Option{retry.Options(copied)}, wantCopy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			called := false
			err := retry.Run(context.Background(), func(context.Context) error { called = true; return nil }, tt.opts...)
			if err == nil || err.Error() != tt.want || !errors.Is(err, retry.ErrInvalidOption) {
				t.Errorf("Run(%v) = %v; want %q matching ErrInvalidOption", tt.opts, err, tt.want)
			}
			if called {
				t.Errorf("Run(%v) called the operation", tt.opts)
			}
		})
	}
}

// A nil or zero Budget answers String and Available, for a log line or a
// debugger, without panicking.
func TestNilAndZeroBudgetMethods(t *testing.T) {
	var nilBudget *retry.Budget
	var zero retry.Budget
	tests := []struct {
		name       string
		b          *retry.Budget
		wantString string
		wantAvail  float64
	}{
		{"nil", nilBudget, "<nil>", 0},
		{"zero", &zero, "Budget{}", 0},
		{"made", retry.NewBudget(0.5, 3), "Budget(0.5, 3)", 3},
	}
	for _, tt := range tests {
		if got := tt.b.String(); got != tt.wantString {
			t.Errorf("%s: String() = %q; want %q", tt.name, got, tt.wantString)
		}
		if got := tt.b.Available(); got != tt.wantAvail {
			t.Errorf("%s: Available() = %v; want %v", tt.name, got, tt.wantAvail)
		}
	}
	if got, want := retry.Options(retry.MaxAttempts(2), new(retry.Budget)).String(), "Options(MaxAttempts(2), Budget{})"; got != want {
		t.Errorf("Options(MaxAttempts(2), new(Budget)).String() = %q; want %q", got, want)
	}
}

// A nil Option, the zero value of the interface, fails the call.
func TestZeroOptionIsRejected(t *testing.T) {
	var o retry.Option
	err := retry.Run(context.Background(), func(context.Context) error { return nil }, o)
	if want := "retry: option 0 is nil"; err == nil || err.Error() != want || !errors.Is(err, retry.ErrInvalidOption) {
		t.Errorf("Run(nil Option) = %v; want %q matching ErrInvalidOption", err, want)
	}
}

// The zero Error prints and unwraps without panicking: a test that builds
// one to compare with, or a log of one, must not crash.
func TestZeroError(t *testing.T) {
	var e retry.Error
	if got, want := e.Error(), "retry: gave up before the first attempt"; got != want {
		t.Errorf("Error{}.Error() = %q; want %q", got, want)
	}
	if got := e.Unwrap(); len(got) != 0 {
		t.Errorf("Error{}.Unwrap() = %v; want none", got)
	}
}
