package captions

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// maxBody bounds how much of a reply is read.
const maxBody = 8 << 20

// client is the HTTP plumbing both backends share: base URL, timeouts, the fleet-wide
// limiter, error classification and the one retry at a smaller size.
type client struct {
	cfg     Config
	base    string
	http    *http.Client
	limiter Limiter
	log     zerolog.Logger
}

func newClient(cfg Config, opts Options) (*client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	base, _ := baseURL(cfg.URL)
	c := &client{cfg: cfg, base: base, http: opts.HTTPClient, limiter: opts.Limiter,
		log: opts.Logger.With().Str("backend", cfg.Backend).Str("url", base).Logger()}
	if c.http == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = max(16, cfg.MaxInflight)
		c.http = &http.Client{Transport: tr}
	}
	if c.limiter == nil && cfg.MaxInflight > 0 {
		sem, err := NewSemaphore(opts.Redis, SemaphoreConfig{
			Key:    SemaphoreKey(opts.KeyPrefix, base),
			Limit:  cfg.MaxInflight,
			Lease:  opts.Lease,
			Logger: c.log,
		})
		if err != nil {
			return nil, fmt.Errorf("captions: max in-flight %d for %s: %w", cfg.MaxInflight, base, err)
		}
		c.limiter = sem
	}
	return c, nil
}

// baseURL checks a server URL and returns it without a trailing slash or /v1.
func baseURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", errors.New("captions: no caption server URL configured (MEDIAFLEET_CAPTION_URL)")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("captions: caption server URL %q is not an http:// or https:// URL", raw)
	}
	u.Path = strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/v1")
	u.RawQuery, u.Fragment, u.RawPath = "", "", ""
	return u.String(), nil
}

// response is one finished HTTP exchange.
type response struct {
	status  int
	header  http.Header
	body    []byte
	latency time.Duration
}

// request describes one HTTP request; the body is built before a slot is taken.
type request struct {
	method, endpoint, contentType string
	body                          []byte
	limited                       bool // take a fleet-wide slot first
}

// do sends r under the configured Timeout, inside a fleet-wide slot when r.limited.
// Transport failures and time-outs come back as transient *Error values naming path.
func (c *client) do(ctx context.Context, path string, r request) (*response, error) {
	if r.limited && c.limiter != nil {
		release, err := c.limiter.Acquire(ctx)
		if err != nil {
			return nil, c.newError(path, 0, "no free in-flight slot", err)
		}
		defer release()
	}
	rctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(rctx, r.method, c.base+r.endpoint, body)
	if err != nil {
		return nil, &Error{Path: path, Backend: c.cfg.Backend, URL: c.base, Message: "cannot build request", Permanent: true, Err: err}
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	req.Header.Set("Accept", "application/json")
	if c.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.transportError(ctx, rctx, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, c.transportError(ctx, rctx, path, err)
	}
	out := &response{status: resp.StatusCode, header: resp.Header, body: data, latency: time.Since(start)}
	if len(data) > maxBody {
		return nil, &Error{Path: path, Backend: c.cfg.Backend, URL: c.base, Status: out.status,
			Message: fmt.Sprintf("reply is larger than %d MiB", maxBody>>20), Permanent: true}
	}
	c.log.Debug().Str("path", path).Str("endpoint", r.endpoint).Int("status", out.status).
		Dur("latency", out.latency).Int("sent_bytes", len(r.body)).Msg("caption server answered")
	return out, nil
}

// transportError describes a request that got no complete answer; always transient.
func (c *client) transportError(ctx, rctx context.Context, path string, err error) *Error {
	switch {
	case ctx.Err() != nil:
		return c.newError(path, 0, "gave up waiting for the caption server", ctx.Err())
	case rctx.Err() != nil:
		return c.newError(path, 0, fmt.Sprintf("no answer within %s", c.cfg.Timeout), context.DeadlineExceeded)
	}
	return c.newError(path, 0, "caption server unreachable", err)
}

// newError is a transient error about path on this backend.
func (c *client) newError(path string, status int, msg string, err error) *Error {
	return &Error{Path: path, Backend: c.cfg.Backend, URL: c.base, Status: status, Message: msg, Err: err}
}

// serverNow is the moment the server answered, by its own Date header when it sent one: a
// Retry-After date is the server's clock, so measuring it against the server's Date keeps a
// skewed or slow client from shortening the wait.
func serverNow(h http.Header) time.Time {
	if t, err := http.ParseTime(h.Get("Date")); err == nil {
		return t
	}
	return time.Now()
}

// statusError classifies a non-success answer, quoting the server.
func (c *client) statusError(path string, r *response) *Error {
	msg := serverMessage(r.body)
	if msg == "" {
		msg = "(empty reply)"
	}
	e := c.newError(path, r.status, truncate(msg), nil)
	e.RetryAfter = parseRetryAfter(r.header.Get("Retry-After"), serverNow(r.header))
	e.OutOfMemory = outOfMemory(r.status, msg)
	e.TooLarge = tooLarge(r.status, msg)
	e.Permanent = !transientStatus(r.status) && !e.OutOfMemory
	return e
}

// replyError is a permanent error about a success answer that is not what the API promises.
func (c *client) replyError(path string, r *response, msg string) *Error {
	e := c.newError(path, r.status, msg, nil)
	e.Permanent = true
	return e
}

// caption loads the image, sends it at MaxEdge and, when the server runs out of memory or
// finds the request too large, once more at RetryEdge (if that is smaller).
func (c *client) caption(ctx context.Context, path string, send func(context.Context, []byte) (*Caption, error)) (*Caption, error) {
	src, err := loadImage(path)
	if err != nil {
		return nil, err
	}
	data, edge, err := src.encodeJPEG(c.cfg.MaxEdge)
	if err != nil {
		return nil, err
	}
	res, err := send(ctx, data)
	var e *Error
	if err == nil || !errors.As(err, &e) || !(e.OutOfMemory || e.TooLarge) ||
		edge <= c.cfg.RetryEdge || ctx.Err() != nil {
		return res, err
	}
	c.log.Warn().Str("path", path).Int("status", e.Status).Str("reply", e.Message).
		Int("edge", edge).Int("retry_edge", c.cfg.RetryEdge).Bool("out_of_memory", e.OutOfMemory).Msg("caption server could not take the image; retrying once with a smaller one")
	if data, _, err = src.encodeJPEG(c.cfg.RetryEdge); err != nil {
		return nil, err
	}
	return send(ctx, data)
}
