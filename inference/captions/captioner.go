package captions

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// Captioner writes a caption for one image file. Implementations are safe for concurrent use.
type Captioner interface {
	// Caption reads the image at imagePath, sends it to the backend and returns its caption.
	// Errors are *Error values; see IsPermanent and RetryAfter.
	Caption(ctx context.Context, imagePath string) (*Caption, error)
	// Health asks the backend whether it answers and what it serves.
	Health(ctx context.Context) (HealthInfo, error)
	// Name says which backend and model produce the captions, e.g. "openai:qwen2.5-vl-7b".
	Name() string
}

// Caption is one caption and where it came from.
type Caption struct {
	// Text is the caption, trimmed; never empty.
	Text string
	// Model is the model the server says answered (the configured one when it does not say).
	Model string
	// Prompt is the instruction sent with the image; empty for vlmcaption, whose server
	// chooses its own prompt.
	Prompt string
	// Backend is "openai" or "vlmcaption".
	Backend string
	// Latency is the duration of the HTTP request that produced the caption, excluding the
	// image preparation and any wait for a fleet-wide slot.
	Latency time.Duration
	// Device is where the server says it ran the model ("cuda:0", "cpu"); empty when unknown.
	Device string
}

// HealthInfo is what a backend says about itself.
type HealthInfo struct {
	// Backend is "openai" or "vlmcaption".
	Backend string
	// URL is the backend's base URL.
	URL string
	// Status is the server's own word for its state ("healthy"; "ok" for openai servers
	// that list their models).
	Status string
	// Models lists the model ids the server serves or has loaded.
	Models []string
	// ModelAvailable reports whether the configured model is among Models (always true
	// when no model is configured). llama.cpp serves whatever it loaded whatever the
	// request names, so a false here is a hint there, not a failure.
	ModelAvailable bool
	// Device is where the server runs its model, when it says.
	Device string
}

// Backend names accepted in Config.Backend.
const (
	BackendOpenAI     = "openai"
	BackendVLMCaption = "vlmcaption"
)

// Defaults applied by Config.withDefaults to zero fields. They are mediafleet's only caption
// defaults: configs' default.yaml leaves these settings empty.
const (
	DefaultPrompt    = "Describe this photo in one sentence."
	DefaultMaxTokens = 128
	DefaultMaxEdge   = 1280
	DefaultRetryEdge = 960
	DefaultTimeout   = 2 * time.Minute
)

// Config chooses and tunes a backend. Zero fields take the defaults above.
type Config struct {
	// Backend is BackendOpenAI or BackendVLMCaption.
	Backend string
	// URL is the server's base URL, e.g. http://gpu1:8000 (a trailing /v1 is accepted).
	URL string
	// Model is the model id to ask for; required for openai, optional for vlmcaption
	// (whose server serves one model).
	Model string
	// APIKey, when set, is sent as "Authorization: Bearer <key>".
	APIKey string
	// Prompt is the instruction sent with each image (openai only).
	Prompt string
	// MaxTokens bounds the caption's length in tokens (openai only).
	MaxTokens int
	// Temperature is the sampling temperature (openai only); 0 asks for greedy decoding.
	Temperature float64
	// MaxEdge is the longest image edge sent, in pixels; images are never enlarged.
	MaxEdge int
	// RetryEdge is the longest edge of the one retry after an out-of-memory answer.
	RetryEdge int
	// Timeout bounds each HTTP request.
	Timeout time.Duration
	// MaxInflight, when above zero, caps requests in flight to URL across the whole fleet.
	MaxInflight int
}

func (c Config) withDefaults() Config {
	if c.Prompt == "" && c.Backend == BackendOpenAI {
		c.Prompt = DefaultPrompt
	}
	if c.MaxTokens == 0 {
		c.MaxTokens = DefaultMaxTokens
	}
	if c.MaxEdge == 0 {
		c.MaxEdge = DefaultMaxEdge
	}
	if c.RetryEdge == 0 {
		c.RetryEdge = min(DefaultRetryEdge, c.MaxEdge)
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	return c
}

// Validate reports the first setting that cannot work, in words that say what to fix.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch c.Backend {
	case BackendOpenAI, BackendVLMCaption:
	case "":
		return errors.New("captions: no caption backend configured: set backend to openai or vlmcaption")
	default:
		return fmt.Errorf("captions: unknown caption backend %q: use openai or vlmcaption", c.Backend)
	}
	if _, err := baseURL(c.URL); err != nil {
		return err
	}
	if c.Backend == BackendOpenAI && c.Model == "" {
		return fmt.Errorf("captions: the openai backend needs a model id: GET %s/v1/models lists what the server serves", c.URL)
	}
	switch {
	case c.MaxTokens < 0:
		return fmt.Errorf("captions: max tokens %d is negative", c.MaxTokens)
	case c.Temperature < 0:
		return fmt.Errorf("captions: temperature %g is negative", c.Temperature)
	case c.MaxEdge < 64:
		return fmt.Errorf("captions: max edge %d px is below 64", c.MaxEdge)
	case c.RetryEdge < 64 || c.RetryEdge > c.MaxEdge:
		return fmt.Errorf("captions: retry edge %d px must be between 64 and the max edge %d", c.RetryEdge, c.MaxEdge)
	case c.Timeout < 0:
		return fmt.Errorf("captions: timeout %s is negative", c.Timeout)
	case c.MaxInflight < 0:
		return fmt.Errorf("captions: max in-flight %d is negative", c.MaxInflight)
	}
	return nil
}

// Options carries what a process shares with its captioners; only Redis is ever required.
type Options struct {
	// Logger receives one debug line per request and warnings (retries, lost leases).
	Logger zerolog.Logger
	// Redis holds the fleet-wide semaphore; required when Config.MaxInflight > 0.
	Redis redis.UniversalClient
	// KeyPrefix starts the semaphore's Redis key; default "mediafleet".
	KeyPrefix string
	// Lease is how long a slot outlives a holder that stops refreshing it; default 30 s.
	Lease time.Duration
	// Limiter, when set, replaces the Redis semaphore (Redis is then not needed).
	Limiter Limiter
	// HTTPClient, when set, replaces the package's own client.
	HTTPClient *http.Client
}

// New builds the backend that cfg.Backend names, after validating cfg.
func New(cfg Config, opts Options) (Captioner, error) {
	switch cfg.Backend {
	case BackendOpenAI:
		return NewOpenAI(cfg, opts)
	case BackendVLMCaption:
		return NewVLMCaption(cfg, opts)
	}
	return nil, cfg.Validate()
}
