package dashboard

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
)

// Credentials are who may use the dashboard: a bearer token, basic-auth user and password,
// or both. The zero value configures none, which only a loopback listener accepts.
type Credentials struct {
	// Token is accepted as "Authorization: Bearer <token>", and, so a browser can log in, as the
	// password of basic auth with any user name.
	Token string
	// User and Password are accepted as basic auth.
	User, Password string
}

// Configured reports whether any credential is set.
func (c Credentials) Configured() bool { return c.Token != "" || c.User != "" && c.Password != "" }

// ErrUnprotected is returned by CheckListen for a non-loopback address without credentials.
var ErrUnprotected = errors.New("refusing to serve the dashboard beyond this machine without credentials")

// MinSecretLen is the shortest token or password CheckListen accepts for an address other
// machines can reach, and MinSecretChars the fewest different characters it must hold.
const (
	MinSecretLen   = 16
	MinSecretChars = 8
)

// CheckListen refuses an address other machines can reach (not 127.0.0.0/8, ::1 or localhost)
// unless credentials are configured and strong enough (see CheckStrength): the dashboard shows
// every file path in the library and its buttons pause, retry and purge queues. A name is only
// a claim: CheckBound checks the address actually bound.
func CheckListen(addr string, c Credentials) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("dashboard listen address %q is not host:port: %w", addr, err)
	}
	if loopbackName(host) && host != "" {
		return nil
	}
	return checkExposed(addr, c)
}

// CheckBound checks the address a listener actually bound (localhost may resolve to anything):
// one that is not a loopback address needs credentials as CheckListen says.
func CheckBound(bound net.Addr, c Credentials) error {
	if tcp, ok := bound.(*net.TCPAddr); ok && tcp.IP.IsLoopback() {
		return nil
	}
	return checkExposed(bound.String(), c)
}

func checkExposed(addr string, c Credentials) error {
	if !c.Configured() {
		return fmt.Errorf("%w: %s is reachable from other machines, and anyone there could read the library's paths and pause, retry or purge its queues; "+
			"set MEDIAFLEET_DASHBOARD_TOKEN (dashboard.token in the config file), or MEDIAFLEET_DASHBOARD_USER and MEDIAFLEET_DASHBOARD_PASSWORD "+
			"(dashboard.basic_user and dashboard.basic_password), or listen on 127.0.0.1", ErrUnprotected, addr)
	}
	return CheckStrength(c)
}

// CheckStrength refuses a configured token or password shorter than MinSecretLen or made of
// fewer than MinSecretChars different characters: on an open address it is all that stands
// between the network and the library.
func CheckStrength(c Credentials) error {
	for name, secret := range map[string]string{"MEDIAFLEET_DASHBOARD_TOKEN (dashboard.token)": c.Token,
		"MEDIAFLEET_DASHBOARD_PASSWORD (dashboard.basic_password)": c.Password} {
		if secret == "" {
			continue
		}
		distinct := map[rune]bool{}
		for _, r := range secret {
			distinct[r] = true
		}
		if len([]rune(secret)) < MinSecretLen || len(distinct) < MinSecretChars {
			return fmt.Errorf("%w: %s is too weak for a dashboard other machines can reach: use at least %d characters, %d of them different (for example the output of `openssl rand -hex 16`)",
				ErrWeakSecret, name, MinSecretLen, MinSecretChars)
		}
	}
	return nil
}

// ErrWeakSecret is returned by CheckListen and CheckBound for a token or password too weak to
// guard an open address.
var ErrWeakSecret = errors.New("refusing to serve the dashboard beyond this machine with a weak secret")

// digest hashes a secret so comparisons take the same time whatever the lengths.
func digest(s string) []byte {
	d := sha256.Sum256([]byte(s))
	return d[:]
}

// authenticator checks requests against configured credentials in constant time.
type authenticator struct {
	token, user, password []byte
	hasToken, hasBasic    bool
}

func newAuthenticator(c Credentials) *authenticator {
	return &authenticator{
		token: digest(c.Token), user: digest(c.User), password: digest(c.Password),
		hasToken: c.Token != "", hasBasic: c.User != "" && c.Password != "",
	}
}

// allowed reports whether r carries a configured credential.
func (a *authenticator) allowed(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	if scheme, tok, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
		return a.hasToken && subtle.ConstantTimeCompare(digest(strings.TrimSpace(tok)), a.token) == 1
	}
	user, pass, ok := r.BasicAuth()
	if !ok {
		return false
	}
	p := digest(pass)
	basic := subtle.ConstantTimeCompare(digest(user), a.user) & subtle.ConstantTimeCompare(p, a.password)
	if a.hasBasic && basic == 1 {
		return true
	}
	return a.hasToken && subtle.ConstantTimeCompare(p, a.token) == 1
}

// wrap lets through only requests with credentials, answering others 401 with a challenge
// browsers show as a login prompt.
func (a *authenticator) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !a.allowed(r) {
			w.Header().Add("WWW-Authenticate", `Basic realm="mediafleet", charset="UTF-8"`)
			if a.hasToken {
				w.Header().Add("WWW-Authenticate", `Bearer realm="mediafleet"`)
			}
			http.Error(w, "mediafleet dashboard: credentials required (Authorization: Bearer <token>, or basic auth)", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}
