package retry_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
)

// A value that cannot work fails the call before the operation runs, with
// an error that names the option and the value, wherever the option sits.
func ExampleErrInvalidOption() {
	var rec *observe.Recorder // a pointer never set
	var budget *retry.Budget  // likewise
	shared := retry.Options(retry.MaxAttempts(3), budget)
	op := func(context.Context) error {
		fmt.Println("never called")
		return nil
	}
	for _, opt := range []retry.Option{
		retry.Subscribe(rec),
		shared,
		retry.Classifier(classify.Match[*fs.PathError](nil)),
		retry.MaxAttemptsFor(classify.Class(99), 3),
	} {
		err := retry.Run(context.Background(), op, opt)
		fmt.Println(errors.Is(err, retry.ErrInvalidOption), err)
	}
	// Output:
	// true retry: Subscribe(*observe.Recorder): subscriber 0 is a nil *observe.Recorder
	// true retry: Options: option 1 is a nil *retry.Budget
	// true retry: Classifier: classify.Match[*fs.PathError](…): function is nil
	// true retry: MaxAttemptsFor(classify.Class(99), 3): not a class
}
