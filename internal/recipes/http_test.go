package recipes

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/retryhttp"
)

// Recipe: an HTTP client.

// User is a user of the users service.
type User struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// UsersClient is a client of the users service, shared by every goroutine
// that calls it, so that its Transport's retry budget sees all its traffic.
type UsersClient struct {
	baseURL string
	http    *http.Client
}

// NewUsersClient returns a client of the users service at baseURL that
// sends its requests through transport (nil for http.DefaultTransport).
func NewUsersClient(baseURL string, transport http.RoundTripper, logger *slog.Logger) *UsersClient {
	return &UsersClient{
		baseURL: baseURL,
		http: &http.Client{
			Transport: retryhttp.New(transport, retryhttp.Retry(
				retry.MaxAttempts(4),
				retry.Deadline(10*time.Second),
				retry.AttemptTimeout(2*time.Second),
				retry.Subscribe(observe.Slog(logger)),
			)),
		},
	}
}

// Get returns the user with the given id.
func (c *UsersClient) Get(ctx context.Context, id int) (User, error) {
	url := c.baseURL + "/users/" + strconv.Itoa(id)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return User{}, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// No response: the last attempt failed without one, or ctx ended.
		return User{}, retryhttp.Redact(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		// The last response: a status not worth retrying, or retries spent.
		return User{}, fmt.Errorf("users: get %d: %s", id, resp.Status)
	}
	var u User
	err = json.NewDecoder(resp.Body).Decode(&u)
	return u, err
}

// Create creates a user. The key makes the POST safe to send twice: the
// server applies a repeated request only once.
func (c *UsersClient) Create(ctx context.Context, u User, key string) error {
	body, err := json.Marshal(u)
	if err != nil {
		return err
	}
	// http.NewRequest sets GetBody for a *bytes.Reader: the body is replayable.
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		c.baseURL+"/users", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key) // without it, a POST is sent once
	resp, err := c.http.Do(req)
	if err != nil {
		return retryhttp.Redact(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("users: create: %s", resp.Status)
	}
	return nil
}

// fakeUsers is an http.RoundTripper that plays the users service without a
// network: it answers the n-th request with the n-th status, repeating the
// last, and keeps what it was sent.
type fakeUsers struct {
	mu       sync.Mutex
	statuses []int
	requests []string // method, path and body of each request
}

func (s *fakeUsers) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	code := s.statuses[min(len(s.requests), len(s.statuses)-1)]
	line := r.Method + " " + r.URL.Path
	if r.Body != nil {
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		line += " " + string(b)
	}
	s.requests = append(s.requests, line)
	body := `{"error":"unavailable"}`
	if code == http.StatusOK {
		body = `{"id":42,"name":"Ada"}`
	}
	return &http.Response{
		StatusCode: code,
		Status:     strconv.Itoa(code) + " " + http.StatusText(code),
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(strings.NewReader(body)),
		Request:    r,
	}, nil
}

func (s *fakeUsers) sent() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

func TestUsersClientGetRetriesUnavailable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		server := &fakeUsers{statuses: []int{503, 503, 200}}
		client := NewUsersClient("https://users.example", server, slog.New(slog.DiscardHandler))

		u, err := client.Get(t.Context(), 42)
		if err != nil || u != (User{ID: 42, Name: "Ada"}) {
			t.Fatalf("Get(42) = %v, %v; want Ada", u, err)
		}
		if got := len(server.sent()); got != 3 {
			t.Errorf("the server got %d requests; want 3", got)
		}
	})
}

func TestUsersClientGetGivesUpWithTheLastStatus(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		server := &fakeUsers{statuses: []int{503}}
		client := NewUsersClient("https://users.example", server, slog.New(slog.DiscardHandler))

		_, err := client.Get(t.Context(), 42)
		if err == nil || err.Error() != "users: get 42: 503 Service Unavailable" {
			t.Errorf("Get(42) = %v; want the last status", err)
		}
		if got := len(server.sent()); got != 4 {
			t.Errorf("the server got %d requests; want 4, MaxAttempts(4)", got)
		}
	})
}

func TestUsersClientGetDoesNotRetryNotFound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		server := &fakeUsers{statuses: []int{404}}
		client := NewUsersClient("https://users.example", server, slog.New(slog.DiscardHandler))

		_, err := client.Get(t.Context(), 42)
		if err == nil || err.Error() != "users: get 42: 404 Not Found" {
			t.Errorf("Get(42) = %v; want 404", err)
		}
		if got := len(server.sent()); got != 1 {
			t.Errorf("the server got %d requests; want 1", got)
		}
	})
}

func TestUsersClientCreateReplaysTheBody(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		server := &fakeUsers{statuses: []int{502, 201}}
		client := NewUsersClient("https://users.example", server, slog.New(slog.DiscardHandler))

		if err := client.Create(t.Context(), User{Name: "Ada"}, "create-ada-1"); err != nil {
			t.Fatalf("Create = %v", err)
		}
		want := `POST /users {"id":0,"name":"Ada"}`
		if got := server.sent(); len(got) != 2 || got[0] != want || got[1] != want {
			t.Errorf("the server got %q; want %q twice", got, want)
		}
	})
}

func TestUsersClientGetCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		client := NewUsersClient("https://users.example", &fakeUsers{statuses: []int{200}}, slog.New(slog.DiscardHandler))
		_, err := client.Get(ctx, 42)
		if !errors.Is(err, context.Canceled) || !errors.Is(err, retry.ErrCancelled) {
			t.Errorf("Get = %v; want it cancelled", err)
		}
	})
}
