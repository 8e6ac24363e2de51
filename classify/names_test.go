package classify_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/reflexio-go/reflexio/classify"
)

// Error types named the way other ecosystems name them.

type TimeoutError struct{}

func (TimeoutError) Error() string { return "timed out" }

type ConnectionResetError struct{ err error }

func (e *ConnectionResetError) Error() string { return "connection reset" }
func (e *ConnectionResetError) Unwrap() error { return e.err }

type ThrottlingException struct{}

func (ThrottlingException) Error() string { return "rate exceeded" }

type TooManyRequestsError struct{}

func (*TooManyRequestsError) Error() string { return "too many requests" }

type DeadlockError struct{}

func (DeadlockError) Error() string { return "deadlock" }

type SerializationFailure struct{}

func (SerializationFailure) Error() string { return "could not serialize access" }

type PlainError struct{ err error }

func (e PlainError) Error() string { return "plain" }
func (e PlainError) Unwrap() error { return e.err }

type RateLimitTimeoutError struct{}

func (RateLimitTimeoutError) Error() string { return "rate limit wait timed out" }

// Envelope is generic: its type argument is not part of its name.
type Envelope[T any] struct{}

func (Envelope[T]) Error() string { return "envelope" }

type ConnectionInfo struct{}

func TestByTypeName(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want classify.Class
	}{
		{"TimeoutError", TimeoutError{}, classify.Transient},
		{"pointer to a timeout type", &TimeoutError{}, classify.Transient},
		{"*ConnectionResetError", &ConnectionResetError{}, classify.Transient},
		{"ThrottlingException", ThrottlingException{}, classify.RateLimit},
		{"*TooManyRequestsError", &TooManyRequestsError{}, classify.RateLimit},
		{"DeadlockError", DeadlockError{}, classify.Concurrency},
		{"SerializationFailure", SerializationFailure{}, classify.Concurrency},
		{"PlainError is unknown", PlainError{}, classify.Unknown},
		{"stdlib types are unknown", io.EOF, classify.Unknown},
		{"context.DeadlineExceeded's type says nothing", context.DeadlineExceeded, classify.Unknown},
		{"wrapped by fmt.Errorf", fmt.Errorf("call: %w", ThrottlingException{}), classify.RateLimit},
		{"nested wrapped", fmt.Errorf("a: %w", PlainError{fmt.Errorf("b: %w", PlainError{DeadlockError{}})}), classify.Concurrency},
		{"outermost name first", &ConnectionResetError{err: DeadlockError{}}, classify.Transient},
		{"in a join", errors.Join(io.EOF, PlainError{}, DeadlockError{}), classify.Concurrency},
		{"first of a join", errors.Join(PlainError{DeadlockError{}}, TimeoutError{}), classify.Concurrency},
		{"wrapped in a marker", classify.MarkPermanent(TimeoutError{}), classify.Transient},
		{"rows in order", RateLimitTimeoutError{}, classify.Transient},
		{"type arguments are not the name", Envelope[ConnectionInfo]{}, classify.Unknown},
		{"type arguments are not the name, pointer", &Envelope[*TimeoutError]{}, classify.Unknown},
		{"nothing anywhere", PlainError{PlainError{errors.New("x")}}, classify.Unknown},
	}
	c := classify.ByTypeName()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.Classify(tt.err); got != tt.want {
				t.Errorf("Classify(%v) = %v; want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestByTypeNameIsOptIn(t *testing.T) {
	err := fmt.Errorf("call: %w", ThrottlingException{})
	if got := classify.Default().Classify(err); got != classify.Unknown {
		t.Errorf("Default().Classify(%v) = %v; want %v", err, got, classify.Unknown)
	}
	c := classify.Chain(classify.Default(), classify.ByTypeName())
	if got := c.Classify(err); got != classify.RateLimit {
		t.Errorf("Chain(Default(), ByTypeName()).Classify(%v) = %v; want %v", err, got, classify.RateLimit)
	}
	// Default's knowledge comes first.
	err = &ConnectionResetError{err: &statusError{404}}
	if got := c.Classify(err); got != classify.Permanent {
		t.Errorf("Chain(Default(), ByTypeName()).Classify(%v) = %v; want %v", err, got, classify.Permanent)
	}
}
