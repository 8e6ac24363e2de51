package classify_test

import (
	"errors"
	"testing"

	"github.com/reflexio-go/reflexio/classify"
)

// The zero values of the package's types do what their docs say.
func TestZeroValues(t *testing.T) {
	var c classify.Class
	if c != classify.Unknown || c.String() != "Unknown" || !c.Retryable() {
		t.Errorf("zero Class = %v (retryable %v); want Unknown, retryable", c, c.Retryable())
	}

	errOther := errors.New("other")
	var nilClassifier classify.Classifier
	var nilFunc classify.Func
	for _, cl := range []classify.Classifier{nilClassifier, nilFunc} {
		if err := classify.Validate(cl); err == nil {
			t.Errorf("Validate(%#v) = nil; want an error", cl)
		}
		// Chain skips it: the next member decides.
		chain := classify.Chain(cl, classify.Func(func(error) classify.Class { return classify.Transient }))
		if got := chain.Classify(errOther); got != classify.Transient {
			t.Errorf("Chain(%#v, Transient).Classify = %v; want Transient", cl, got)
		}
		if err := classify.Validate(chain); err != nil {
			t.Errorf("Validate(Chain(%#v, …)) = %v; want nil, the nil member skipped", cl, err)
		}
	}
}
