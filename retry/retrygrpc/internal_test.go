package retrygrpc

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/retry"
)

func TestParsePushback(t *testing.T) {
	tests := []struct {
		values []string
		want   time.Duration
		ok     bool
	}{
		{[]string{"0"}, 0, true},
		{[]string{"250"}, 250 * time.Millisecond, true},
		{[]string{"+250"}, 250 * time.Millisecond, true},
		{[]string{"007"}, 7 * time.Millisecond, true},
		{[]string{"9223372036854"}, 9223372036854 * time.Millisecond, true}, // the largest that fits
		{[]string{"9223372036855"}, math.MaxInt64, true},
		{[]string{"99999999999999999999999999999"}, math.MaxInt64, true},
		{[]string{"-1"}, 0, false},
		{[]string{"-0"}, 0, false},
		{[]string{""}, 0, false},
		{[]string{"+"}, 0, false},
		{[]string{"1.5"}, 0, false},
		{[]string{"1e3"}, 0, false},
		{[]string{" 5"}, 0, false},
		{[]string{"5ms"}, 0, false},
		{[]string{"soon"}, 0, false},
		{[]string{"10", "20"}, 0, false},
		{nil, 0, false},
	}
	for _, tt := range tests {
		got, ok := parsePushback(tt.values)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parsePushback(%q) = %v, %v; want %v, %v", tt.values, got, ok, tt.want, tt.ok)
		}
	}
}

func FuzzParsePushback(f *testing.F) {
	for _, s := range []string{"0", "1", "-1", "+1", "", "9223372036854", "9223372036855", "9223372037", "1.5", "abc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := parsePushback([]string{s})
		if d < 0 {
			t.Fatalf("parsePushback(%q) = %v: negative", s, d)
		}
		if !ok && d != 0 {
			t.Fatalf("parsePushback(%q) = %v, false: want 0", s, d)
		}
		if ok && strings.TrimLeft(strings.TrimPrefix(s, "+"), "0123456789") != "" {
			t.Fatalf("parsePushback(%q) accepted a value that is not an integer", s)
		}
		// Whatever the trailer says, the attempt's error keeps its code.
		err := withPushback(status.Error(codes.Unavailable, "x"), metadata.Pairs(pushbackKey, s))
		if status.Code(err) != codes.Unavailable {
			t.Fatalf("withPushback(%q) lost the code: %v", s, err)
		}
		if errors.Is(err, ErrPushback) == ok {
			t.Fatalf("withPushback(%q) = %v; ErrPushback is for refusals alone", s, err)
		}
		if hint, found := classify.RetryAfter(err); found != (ok && d > 0) || found && hint != d {
			t.Fatalf("withPushback(%q): hint %v, %v; want %v", s, hint, found, d)
		}
	})
}

func TestWithoutPushback(t *testing.T) {
	err := status.Error(codes.Unavailable, "x")
	if got := withPushback(err, nil); got != err {
		t.Errorf("withPushback(err, nil) = %v; want err itself", got)
	}
	if got := withPushback(err, metadata.Pairs("other", "1")); got != err {
		t.Errorf("withPushback(err, other trailer) = %v; want err itself", got)
	}
}

func TestQuotedIsShort(t *testing.T) {
	long := strings.Repeat("9", 100)
	want := `"` + strings.Repeat("9", 32) + `…", "1"`
	if got := quoted([]string{long, "1"}); got != want {
		t.Errorf("quoted() = %s; want %s", got, want)
	}
}

// legacy is a message as the first protobuf API for Go generated them,
// without a ProtoReflect method.
type legacy struct {
	Value string `protobuf:"bytes,1,opt,name=value,proto3"`
}

func (*legacy) Reset()         {}
func (*legacy) String() string { return "legacy" }
func (*legacy) ProtoMessage()  {}

var _ protoadapt.MessageV1 = (*legacy)(nil)

func TestMsgSize(t *testing.T) {
	b := []byte("abc")
	tests := []struct {
		m    any
		want int
	}{
		{wrapperspb.String("aaaaaaaa"), 10},
		{wrapperspb.String(""), 0},
		{&legacy{Value: "aaaaaaaa"}, 10},
		{b, 3},
		{&b, 3},
		{(*[]byte)(nil), -1},
		{"a string", -1},
		{struct{}{}, -1},
	}
	for _, tt := range tests {
		if got := msgSize(tt.m); got != tt.want {
			t.Errorf("msgSize(%#v) = %d; want %d", tt.m, got, tt.want)
		}
	}
}

// TestStatusOfADeadlineBeforeAnyAttempt: a call whose loop stops at the
// caller's deadline before any attempt, having waited for its breaker's
// probe, a moment before the context itself ends (so without its cause),
// fails with DeadlineExceeded, as gRPC would, not Unknown.
func TestStatusOfADeadlineBeforeAnyAttempt(t *testing.T) {
	err := &retry.Error{Reason: retry.ErrDeadline}
	if got := statusOf(err).Code(); got != codes.DeadlineExceeded {
		t.Errorf("statusOf(%v) = %v; want DeadlineExceeded", err, got)
	}
}
