package classify_test

import (
	"fmt"
	"testing"

	"github.com/reflexio-go/reflexio/classify"
)

// apiError is how the AWS SDK reports a service's error: a code from
// ErrorCode() string, and the HTTP status of the response.
type apiError struct {
	code   string
	status int
}

func (e *apiError) Error() string       { return "api error " + e.code }
func (e *apiError) ErrorCode() string   { return e.code }
func (e *apiError) HTTPStatusCode() int { return e.status }

func TestServiceErrorCode(t *testing.T) {
	tests := []struct {
		code string
		want classify.Class
	}{
		{"Throttling", classify.RateLimit},
		{"ThrottlingException", classify.RateLimit},
		{"ThrottledException", classify.RateLimit},
		{"RequestThrottled", classify.RateLimit},
		{"RequestThrottledException", classify.RateLimit},
		{"TooManyRequestsException", classify.RateLimit},
		{"RequestLimitExceeded", classify.RateLimit},
		{"ProvisionedThroughputExceededException", classify.RateLimit},
		{"BandwidthLimitExceeded", classify.RateLimit},
		{"LimitExceededException", classify.RateLimit},
		{"SlowDown", classify.RateLimit},
		{"EC2ThrottledException", classify.RateLimit},
		{"PriorRequestNotComplete", classify.RateLimit},
		{"TransactionInProgressException", classify.RateLimit},
		{"RequestTimeout", classify.Transient},
		{"RequestTimeoutException", classify.Transient},
		{"InternalError", classify.ServerError},
		{"InternalFailure", classify.ServerError},
		{"InternalServerError", classify.ServerError},
		{"ServiceUnavailable", classify.ServerError},
		{"AccessDenied", classify.Unknown},
		{"throttling", classify.Unknown}, // codes are case-sensitive
		{"", classify.Unknown},
	}
	for _, tt := range tests {
		if got := classify.ServiceErrorCode(tt.code); got != tt.want {
			t.Errorf("ServiceErrorCode(%q) = %v; want %v", tt.code, got, tt.want)
		}
	}
}

// AWS answers throttling with HTTP 400, which alone would be Permanent: the
// code comes first. A code with no opinion leaves the status to decide.
func TestDefaultReadsServiceErrorCodesBeforeStatus(t *testing.T) {
	tests := []struct {
		err  error
		want classify.Class
	}{
		{&apiError{"ThrottlingException", 400}, classify.RateLimit},
		{fmt.Errorf("put item: %w", &apiError{"ProvisionedThroughputExceededException", 400}), classify.RateLimit},
		{&apiError{"SlowDown", 503}, classify.RateLimit},
		{&apiError{"InternalError", 500}, classify.ServerError},
		{&apiError{"AccessDenied", 403}, classify.Permanent},
		{&apiError{"ValidationException", 400}, classify.Permanent},
		{&apiError{"SomethingNew", 503}, classify.ServerError},
		{classify.MarkPermanent(&apiError{"ThrottlingException", 400}), classify.Permanent},
	}
	for _, tt := range tests {
		if got := classify.Default().Classify(tt.err); got != tt.want {
			t.Errorf("Classify(%v) = %v; want %v", tt.err, got, tt.want)
		}
	}
}

func ExampleServiceErrorCode() {
	for _, code := range []string{"ThrottlingException", "RequestTimeout", "InternalError", "AccessDenied"} {
		fmt.Println(code, classify.ServiceErrorCode(code))
	}
	// Output:
	// ThrottlingException RateLimit
	// RequestTimeout Transient
	// InternalError ServerError
	// AccessDenied Unknown
}
