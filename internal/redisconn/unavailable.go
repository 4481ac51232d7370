package redisconn

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// IsUnavailable reports whether err means Redis could not be reached or cannot take writes for
// now (down, restarting, loading its data, failing over), so the same request may succeed
// later; an answer about the request itself (a full queue, a conflict, out of memory) is not.
func IsUnavailable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, redis.ErrClosed) {
		return true
	}
	if redis.IsLoadingError(err) || redis.IsReadOnlyError(err) {
		return true
	}
	s := err.Error()
	for _, m := range []string{"LOADING ", "READONLY ", "MASTERDOWN ", "NOREPLICAS ", "TRYAGAIN ",
		"connection refused", "connection reset", "broken pipe", "i/o timeout", "sentinels specified in configuration are unreachable",
		"connection pool timeout"} {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}

// WaitRedis opens a client like OpenRedis; while Redis does not answer it asks again every
// second for up to wait, calling waiting once with the first failure. A redis_url that does
// not parse fails at once.
func WaitRedis(ctx context.Context, raw string, wait time.Duration, waiting func(error)) (redis.UniversalClient, error) {
	c, err := OpenRedis(ctx, raw)
	if err == nil || wait <= 0 {
		return c, err
	}
	if _, perr := ParseRedisURL(raw); perr != nil {
		return nil, perr
	}
	if waiting != nil {
		waiting(err)
	}
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(time.Second):
		}
		if c, err = OpenRedis(ctx, raw); err == nil {
			return c, nil
		}
	}
	return nil, err
}
