//go:build !cgo

package gpu

import "github.com/rs/zerolog"

// Open reports an error matching ErrNoDriver: this binary was built without cgo, which NVML needs.
func Open(log zerolog.Logger) (Provider, error) {
	err := noCgoError{}
	log.Info().Msg(err.Error())
	return nil, err
}

type noCgoError struct{}

func (noCgoError) Error() string {
	return "NVML is not compiled in (this binary was built with CGO_ENABLED=0): running in CPU-only mode"
}

func (noCgoError) Unwrap() error { return ErrNoDriver }
