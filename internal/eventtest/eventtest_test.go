package eventtest_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/internal/eventtest"
	"github.com/reflexio-go/reflexio/observe"
)

func TestFlatten(t *testing.T) {
	boom := errors.New("boom at :8080")
	events := []observe.Event{
		observe.Retry{Operation: "GET host:8080", Attempt: 1, Class: classify.Transient, Err: boom},
		observe.Success{Operation: "GET host:8080", Attempt: 2},
		observe.Cancelled{Operation: "op"}, // before any attempt
		observe.DeadlineExceeded{Operation: "op", Attempt: 3, Class: classify.RateLimit, Err: boom},
	}
	noPort := func(s string) string { return strings.ReplaceAll(s, ":8080", ":PORT") }
	got := eventtest.Flatten(events, func(err error) string { return noPort(err.Error()) }, noPort)
	want := []eventtest.Event{
		{Kind: "retry", Op: "GET host:PORT", Attempt: 1, Class: classify.Transient, Err: "boom at :PORT"},
		{Kind: "success", Op: "GET host:PORT", Attempt: 2},
		{Kind: "cancelled", Op: "op"},
		{Kind: "deadline_exceeded", Op: "op", Attempt: 3, Class: classify.RateLimit, Err: "boom at :PORT"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Flatten mismatch (-want +got):\n%s", diff)
	}
	if got := eventtest.Flatten(events[:1], nil, nil); got[0].Err != "boom at :8080" || got[0].Op != "GET host:8080" {
		t.Errorf("Flatten with no text or op = %+v; want the error's and op's own text", got[0])
	}
}
