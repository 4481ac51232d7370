package captions

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Error is every failure this package returns from Caption and Health.
type Error struct {
	// Path is the image file, empty for Health.
	Path string
	// Backend and URL name the server asked.
	Backend string
	URL     string
	// Status is the HTTP status of the answer, 0 when none came.
	Status int
	// Message is the server's own words (truncated) or what went wrong before any answer.
	Message string
	// Permanent is true when retrying the same input cannot succeed.
	Permanent bool
	// RetryAfter is the wait the server asked for in a Retry-After header, 0 when none.
	RetryAfter time.Duration
	// OutOfMemory is true when the server said it ran out of (GPU) memory.
	OutOfMemory bool
	// TooLarge is true when the server refused the request as too large (413, or a prompt
	// longer than the model's context); a smaller image may pass.
	TooLarge bool
	// Err is the underlying cause, if any.
	Err error
}

// Error says which file, which server, what it answered and whether a retry may help.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("captions: ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	if e.URL != "" {
		fmt.Fprintf(&b, "%s at %s: ", e.Backend, e.URL)
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, "HTTP %d %s: ", e.Status, http.StatusText(e.Status))
	}
	b.WriteString(e.Message)
	if e.Err != nil && !strings.Contains(e.Message, e.Err.Error()) {
		if e.Message != "" {
			b.WriteString(": ")
		}
		b.WriteString(e.Err.Error())
	}
	if e.Permanent {
		b.WriteString(" (permanent)")
	} else {
		b.WriteString(" (transient")
		if e.RetryAfter > 0 {
			fmt.Fprintf(&b, ", retry after %s", e.RetryAfter)
		}
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the cause, so errors.Is(err, context.DeadlineExceeded) and the like work.
func (e *Error) Unwrap() error { return e.Err }

// IsPermanent reports whether err says that retrying the same image cannot succeed: an
// unreadable or undecodable file, a 4xx refusal (other than 408 and 429), an empty caption
// or a reply that is not the API's JSON. Any other error, including ones this package did
// not make, counts as transient.
func IsPermanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Permanent
}

// RetryAfter returns the wait a server asked for with a Retry-After header (seconds or an
// HTTP date), and whether it asked.
func RetryAfter(err error) (time.Duration, bool) {
	var e *Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		return e.RetryAfter, true
	}
	return 0, false
}

// parseRetryAfter reads a Retry-After header value: delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		return time.Duration(min(n, 86400)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d.Round(time.Second)
		}
	}
	return 0
}

// transientStatus reports whether an HTTP status means "busy or broken now, maybe fine later".
func transientStatus(status int) bool {
	return status >= 500 || status == http.StatusTooManyRequests || status == http.StatusRequestTimeout
}

var oomText = regexp.MustCompile(`(?i)out of memory|outofmemory|\boom\b|cuda_error_out_of_memory|cudaMalloc failed|alloc_failed|failed to allocate|insufficient (gpu |device )?memory|not enough (gpu |device )?memory`)

var loadingText = regexp.MustCompile(`(?i)loading model|model is loading`)

var contextText = regexp.MustCompile(`(?i)maximum context length|context length exceeded|exceeds? the (available |maximum )?context|context size|too many (input )?tokens|prompt is too long`)

// outOfMemory reports whether an answer says the server ran out of memory: any answer
// whose text says so, or a 503 that does not give another reason (a model still loading).
func outOfMemory(status int, text string) bool {
	if oomText.MatchString(text) {
		return true
	}
	return status == http.StatusServiceUnavailable && !loadingText.MatchString(text)
}

// tooLarge reports whether an answer refuses the request for its size.
func tooLarge(status int, text string) bool {
	return status == http.StatusRequestEntityTooLarge || (status/100 == 4 && contextText.MatchString(text))
}

const maxMessage = 300

// truncate shortens s to maxMessage runes on one line.
func truncate(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= maxMessage {
		return s
	}
	r := []rune(s)
	return string(r[:maxMessage]) + "…"
}

// serverMessage extracts the human part of an error reply in the shapes the supported servers
// use: {"error":{"message":...}} (OpenAI, llama.cpp, Ollama, vLLM), {"error":"..."} (LM Studio,
// Ollama), {"object":"error","message":...} (older vLLM), {"detail":...} (FastAPI, which the
// caption server runs on). Anything else comes back as the reply's text.
func serverMessage(body []byte) string {
	text := strings.TrimSpace(string(body))
	var v struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Detail  json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(body, &v) != nil {
		return text
	}
	if len(v.Error) > 0 {
		var s string
		if json.Unmarshal(v.Error, &s) == nil && s != "" {
			return s
		}
		var o struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(v.Error, &o) == nil && o.Message != "" {
			return o.Message
		}
	}
	if v.Message != "" {
		return v.Message
	}
	if len(v.Detail) > 0 {
		var s string
		if json.Unmarshal(v.Detail, &s) == nil {
			return s
		}
		return string(v.Detail)
	}
	return text
}
