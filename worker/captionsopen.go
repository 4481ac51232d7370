package worker

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/mediafleet/mediafleet/inference/captions"
)

// CaptionsOptions says how a worker opens its caption backend.
type CaptionsOptions struct {
	// Config is the backend's configuration.
	Config captions.Config
	// Redis holds the fleet-wide semaphore on requests in flight to the backend.
	Redis redis.UniversalClient
	// QueuePrefix is the fleet's queue prefix: fleets with different prefixes on one Redis each
	// have their own semaphore.
	QueuePrefix string
	// Log gets what the backend answered at start.
	Log zerolog.Logger
}

// captionsKeyPrefix starts the Redis key of a fleet's caption semaphore.
func captionsKeyPrefix(queuePrefix string) string {
	if queuePrefix == "" {
		return "mediafleet"
	}
	return "mediafleet:" + queuePrefix
}

// OpenCaptions builds the caption backend and asks it once, within 10 s, whether it answers,
// logging what it serves, or that captions tasks will wait and retry until it answers: a
// backend that is down when the worker starts is no reason not to start. A configuration the
// backend refuses is an error.
func OpenCaptions(ctx context.Context, o CaptionsOptions) (captions.Captioner, error) {
	c, err := captions.New(o.Config, captions.Options{Logger: o.Log, Redis: o.Redis, KeyPrefix: captionsKeyPrefix(o.QueuePrefix)})
	if err != nil {
		return nil, err
	}
	hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	info, err := c.Health(hctx)
	cancel()
	if err != nil {
		o.Log.Warn().Err(err).Str("backend", c.Name()).Msg("caption backend does not answer yet; captions tasks will wait and retry until it does")
	} else {
		o.Log.Info().Str("backend", c.Name()).Str("status", info.Status).Strs("models", info.Models).
			Str("device", info.Device).Bool("model_available", info.ModelAvailable).Msg("caption backend found")
	}
	return c, nil
}
