package catalog

import (
	"errors"
	"fmt"
)

// Errors a person must fix; retrying does not help. Errors from Open and ParsePathMap wrap
// one of them (test with errors.Is) and read as a sentence naming the file and the problem.
var (
	// ErrBadCatalog marks a catalog spec or file that cannot be read as asked: an unknown
	// scheme, a missing file, a file that is not what its scheme says.
	ErrBadCatalog = errors.New("bad catalog")
	// ErrBadPathMap marks a malformed path map rule.
	ErrBadPathMap = errors.New("bad path map")
)

// catalogError is a message for a person that also matches its sentinel and its cause.
type catalogError struct {
	msg      string
	sentinel error
	cause    error
}

func (e *catalogError) Error() string { return e.msg }

func (e *catalogError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.sentinel}
	}
	return []error{e.sentinel, e.cause}
}

// newError builds an error that reads as the formatted sentence (with ": cause" appended
// when there is one) and wraps sentinel and cause.
func newError(sentinel, cause error, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if cause != nil {
		msg += ": " + cause.Error()
	}
	return &catalogError{msg: msg, sentinel: sentinel, cause: cause}
}
