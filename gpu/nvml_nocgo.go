//go:build !cgo

package gpu

import (
	"fmt"

	"github.com/rs/zerolog"
)

// Open reports ErrNoDriver: this binary was built without cgo, which NVML needs.
func Open(log zerolog.Logger) (Provider, error) {
	err := fmt.Errorf("%w (this binary was built with CGO_ENABLED=0, so NVML is not compiled in)", ErrNoDriver)
	log.Info().Msg(err.Error())
	return nil, err
}
