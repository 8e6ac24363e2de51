package retryhttp_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/retryhttp"
)

// codeError is a caller's error that carries an HTTP status, which
// classify.Default reads through StatusCode.
type codeError struct{ code int }

func (e *codeError) Error() string   { return fmt.Sprintf("status %d", e.code) }
func (e *codeError) StatusCode() int { return e.code }

// The transport retries, and returns the last response when it gives up, with
// a nil error. A retry.Do around a request through it, whose operation turns
// that response into an error as every caller does, must not retry again
// what the transport gave up on: retry at one layer. Against a real server
// that always answers 503, a call makes no more requests than the
// transport's attempt limit, and the caller still gets the response's
// error.
func TestOuterDoAroundTheTransportRetriesAtOneLayer(t *testing.T) {
	checkLeaks(t)
	const limit = 6 // retry.Do's default MaxAttempts, which the transport uses
	tests := []struct {
		name   string
		opts   []retryhttp.Option
		toErr  func(*http.Response) error
		budget bool
	}{
		{"plain error", nil, func(r *http.Response) error { return errors.New(r.Status) }, true},
		{"error with the status code", nil, func(r *http.Response) error { return &codeError{r.StatusCode} }, true},
		{"error with the status code, no budget", []retryhttp.Option{retryhttp.NoBudget()}, func(r *http.Response) error {
			return &codeError{r.StatusCode}
		}, false},
		{"error marked Transient", []retryhttp.Option{retryhttp.NoBudget()}, func(r *http.Response) error {
			return classify.MarkTransient(errors.New(r.Status))
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, status(http.StatusServiceUnavailable))
			client := &http.Client{Transport: newTransport(t, tt.opts...)}
			outer := 0
			_, err := retry.Do(t.Context(), func(ctx context.Context) (string, error) {
				outer++
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL, nil)
				if err != nil {
					return "", err
				}
				resp, err := client.Do(req)
				if err != nil {
					return "", err
				}
				defer resp.Body.Close()
				body, err := io.ReadAll(resp.Body)
				if err != nil {
					return "", err
				}
				if resp.StatusCode != http.StatusOK {
					return "", tt.toErr(resp)
				}
				return string(body), nil
			})
			if !errors.Is(err, retry.ErrPermanent) {
				t.Errorf("outer Do = %v; want ErrPermanent, the transport having given up", err)
			}
			got := int(s.requests.Load())
			if got > limit || outer != 1 {
				t.Errorf("one outer call made %d outer attempts and %d requests; want 1 and at most %d", outer, got, limit)
			}
			if !tt.budget && got != limit {
				t.Errorf("the transport made %d requests without a budget; want %d", got, limit)
			}
		})
	}
}

// A request the transport does not retry (a POST) leaves the choice to the
// caller's loop, which retries it as the caller asked.
func TestOuterDoRetriesWhatTheTransportDoesNotRetry(t *testing.T) {
	checkLeaks(t)
	s := newServer(t, status(http.StatusServiceUnavailable))
	client := &http.Client{Transport: newTransport(t)}
	_, err := retry.Do(t.Context(), func(ctx context.Context) (string, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, nil)
		if err != nil {
			return "", err
		}
		resp, err := client.Do(req)
		if err != nil {
			return "", err
		}
		resp.Body.Close()
		return "", &codeError{resp.StatusCode}
	}, retry.MaxAttempts(3), noWait)
	if !errors.Is(err, retry.ErrMaxAttempts) {
		t.Errorf("outer Do = %v; want ErrMaxAttempts", err)
	}
	if got := s.requests.Load(); got != 3 {
		t.Errorf("3 outer attempts of a POST made %d requests; want 3", got)
	}
}
