package classify_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/reflexio-go/reflexio/classify"
)

func ExampleParseRetryAfter() {
	// The time the responses arrived; a real client passes time.Now().
	now := time.Date(2026, time.March, 1, 12, 0, 0, 0, time.UTC)
	for _, v := range []string{
		"120",                           // delay-seconds
		"Sun, 01 Mar 2026 12:01:30 GMT", // an HTTP-date 90 s ahead
		"Sun, 01 Mar 2026 11:00:00 GMT", // a date in the past: no wait
		"9223372037",                    // too long for a Duration: saturates
		"soon",                          // not a Retry-After value
	} {
		d, ok := classify.ParseRetryAfter(v, now)
		fmt.Printf("%-31q %v %v\n", v, d, ok)
	}

	// A 503 with "Retry-After: 120" carries its hint to the retry loop,
	// which caps it with retry.MaxRetryAfter.
	err := errors.New("503 Service Unavailable")
	if d, ok := classify.ParseRetryAfter("120", now); ok {
		err = classify.WithRetryAfter(err, d)
	}
	fmt.Println(classify.RetryAfter(err))
	// Output:
	// "120"                           2m0s true
	// "Sun, 01 Mar 2026 12:01:30 GMT" 1m30s true
	// "Sun, 01 Mar 2026 11:00:00 GMT" 0s true
	// "9223372037"                    2562047h47m16.854775807s true
	// "soon"                          0s false
	// 2m0s true
}
