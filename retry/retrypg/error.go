package retrypg

import (
	"errors"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/internal/integration"
)

// ErrCommitUnknown is found with errors.Is in the error of a call whose
// COMMIT failed without a refusal from the server: the connection was
// lost, or its answer cut short or FATAL, or the context ended, after the
// COMMIT may have been sent. The transaction may have been committed or
// not, and the client cannot tell, so the call does not retry it unless
// the transaction is Idempotent: find out from the data, and retry only
// what did not happen. The same error wraps pgx's, which errors.Is and
// errors.As find.
var ErrCommitUnknown = errors.New("retrypg: commit outcome unknown")

// commitUnknownError is the error of an attempt whose COMMIT failed
// without an answer from the server.
type commitUnknownError struct{ err error }

func (e *commitUnknownError) Error() string {
	return "retrypg: commit outcome unknown (the transaction may have been committed): " + e.err.Error()
}

func (e *commitUnknownError) Unwrap() []error { return []error{ErrCommitUnknown, e.err} }

// RetryClass returns classify.Permanent: the transaction may have been
// committed, and a second one could apply it twice.
func (e *commitUnknownError) RetryClass() classify.Class { return classify.Permanent }

// stageError is the error of a BEGIN or a COMMIT, which says which.
type stageError struct {
	stage string // "begin" or "commit"
	err   error
}

func (e *stageError) Error() string { return "retrypg: " + e.stage + ": " + e.err.Error() }

func (e *stageError) Unwrap() error { return e.err }

// connClosed returns err, the error of an attempt after which the single
// connection that the call runs on is closed, as Permanent: no further
// transaction can begin on it. stage is "begin" or "commit" if err is the
// error of one, "" if it is fn's.
func connClosed(stage string, err error) error { return &connClosedError{stage: stage, err: err} }

type connClosedError struct {
	stage string
	err   error
}

func (e *connClosedError) Error() string {
	s := "retrypg: "
	if e.stage != "" {
		s += e.stage + ": "
	}
	return s + "connection closed, cannot retry on it: " + e.err.Error()
}

func (e *connClosedError) Unwrap() error { return e.err }

// RetryClass returns classify.Permanent.
func (e *connClosedError) RetryClass() classify.Class { return classify.Permanent }

// optionError returns the error of an invalid Option or argument.
func optionError(option, reason string) error {
	return &integration.OptionError{Pkg: "retrypg", Option: option, Reason: reason}
}
