package tasks

import (
	"fmt"
	"unicode/utf8"
)

// keyDigits is how many hex digits follow the letter of an asset key.
const keyDigits = 20

// MaxPathLen is the longest file path a catalog entry or a task may name, in bytes: Linux's
// PATH_MAX. Longer paths are refused where they enter, never retried.
const MaxPathLen = 4096

// CheckKey accepts exactly the asset keys AssetKey makes: "h" or "p" and 20 lower-case hex
// digits. Keys are joined into paths and Redis ids, so anything else ("../../x", "", a
// megabyte of text) is refused wherever a key comes in: a payload, a command line, a page.
func CheckKey(key string) error {
	if key == "" {
		return fmt.Errorf("asset_key is empty")
	}
	if len(key) != 1+keyDigits || (key[0] != 'h' && key[0] != 'p') || !isHex(key[1:]) {
		return fmt.Errorf("asset key %.40q is not an asset key (h or p and %d hex digits)", key, keyDigits)
	}
	return nil
}

// CheckPath accepts a file path a task may name: not empty, absolute, valid UTF-8 (a name
// that is not cannot cross JSON unchanged: the enqueuer skips such files and counts them) and
// at most MaxPathLen bytes.
func CheckPath(what, p string) error {
	switch {
	case p == "":
		return fmt.Errorf("%s is empty", what)
	case len(p) > MaxPathLen:
		return fmt.Errorf("%s is %d bytes long, more than the %d a path may have", what, len(p), MaxPathLen)
	case !utf8.ValidString(p) || containsRune(p, utf8.RuneError):
		return fmt.Errorf("%s %q is not valid UTF-8", what, p)
	case p[0] != '/':
		return fmt.Errorf("%s %q is not an absolute path", what, p)
	}
	return nil
}

func containsRune(s string, r rune) bool {
	for _, c := range s {
		if c == r {
			return true
		}
	}
	return false
}
