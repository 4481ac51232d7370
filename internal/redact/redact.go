// Package redact keeps passwords out of what mediafleet prints: the Redis and PostgreSQL URLs
// in log lines, errors, pages, status output and registry entries go through URL, and errors that
// may quote a URL go through Error.
package redact

import (
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// Mask is what a password is replaced with.
const Mask = "xxxxx"

// secretParams are the query parameters (any case) whose values are passwords or tokens.
var secretParams = map[string]bool{"password": true, "pass": true, "sentinel_password": true,
	"sentinelpassword": true, "token": true, "api_key": true, "apikey": true, "secret": true}

// dsnPassword matches password=VALUE in a key=value connection string ("host=h password=pw").
var dsnPassword = regexp.MustCompile(`(?i)\b(password|sentinel_password)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)`)

// URL returns raw with every password hidden: the password of its user info (also in URLs with
// several hosts, such as redis-sentinel://:pw@h1:26379,h2:26379/master, which net/url refuses),
// secret query parameters (password=, token=, ...) and password=... in a key=value PostgreSQL
// connection string. A path (a SQLite file, a Unix socket) comes back unchanged. When unsure it
// hides more rather than less.
func URL(raw string) string {
	out := raw
	if i := strings.Index(out, "://"); i >= 0 {
		rest := out[i+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			user := rest[:at]
			if c := strings.Index(user, ":"); c >= 0 {
				rest = user[:c+1] + Mask + rest[at:]
			}
		}
		if q := strings.Index(rest, "?"); q >= 0 {
			rest = rest[:q+1] + redactQuery(rest[q+1:])
		}
		return out[:i+3] + rest
	}
	return dsnPassword.ReplaceAllString(out, "${1}="+Mask)
}

func redactQuery(q string) string {
	parts := strings.Split(q, "&")
	for i, p := range parts {
		k, _, ok := strings.Cut(p, "=")
		if ok && secretParams[strings.ToLower(k)] {
			parts[i] = k + "=" + Mask
		}
	}
	return strings.Join(parts, "&")
}

// secrets are the passwords in raw, as written and URL-decoded, longest first.
func secrets(raw string) []string {
	var s []string
	add := func(v string) {
		v = strings.Trim(v, "'")
		if v == "" || v == Mask {
			return
		}
		s = append(s, v)
		if d, err := url.QueryUnescape(v); err == nil && d != v {
			s = append(s, d)
		}
		if d, err := url.PathUnescape(v); err == nil && d != v {
			s = append(s, d)
		}
	}
	if i := strings.Index(raw, "://"); i >= 0 {
		rest := raw[i+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if _, pw, ok := strings.Cut(rest[:at], ":"); ok {
				add(pw)
			}
		}
		if _, q, ok := strings.Cut(rest, "?"); ok {
			for p := range strings.SplitSeq(q, "&") {
				if k, v, ok := strings.Cut(p, "="); ok && secretParams[strings.ToLower(k)] {
					add(v)
				}
			}
		}
	}
	if !strings.Contains(raw, "://") {
		for _, m := range dsnPassword.FindAllStringSubmatch(raw, -1) {
			add(m[2])
		}
	}
	// Longest first, so a password that contains another is hidden whole.
	sort.Slice(s, func(i, j int) bool { return len(s[i]) > len(s[j]) })
	return s
}

// Text returns text with every password found in the given URLs hidden.
func Text(text string, urls ...string) string {
	for _, u := range urls {
		for _, s := range secrets(u) {
			text = strings.ReplaceAll(text, s, Mask)
		}
	}
	return text
}

// Error returns err with every password found in the given URLs hidden from its message; the
// result still unwraps to err, so errors.Is and errors.As see the cause. nil stays nil.
func Error(err error, urls ...string) error {
	if err == nil {
		return nil
	}
	msg := Text(err.Error(), urls...)
	if msg == err.Error() {
		return err
	}
	return &scrubbed{msg: msg, err: err}
}

type scrubbed struct {
	msg string
	err error
}

func (s *scrubbed) Error() string { return s.msg }
func (s *scrubbed) Unwrap() error { return s.err }
