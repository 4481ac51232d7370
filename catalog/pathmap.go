package catalog

import (
	"path/filepath"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// PathRule is one prefix rule of a PathMap: a catalog path under From is read under To.
type PathRule struct {
	// From is the prefix as catalogs write it, with slashes and without a trailing slash
	// (except for a bare root).
	From string
	// To is the absolute local directory that stands for From.
	To string
	// fold makes From match regardless of case: Windows paths (a drive letter or a UNC
	// share) name the same file in any case.
	fold bool
}

// String is the rule as "FROM=TO".
func (r PathRule) String() string { return r.From + "=" + r.To }

// PathMap rewrites the paths a catalog wrote (often on Windows, as E:\Photos\x.jpg) into the
// paths this machine reads (/mnt/e/Photos/x.jpg). Its zero value maps nothing and only
// normalises separators.
type PathMap struct {
	rules []PathRule // longest From first
}

// ParsePathMap reads rules written "FROM=TO", such as "E:/=/mnt/e/" (the items of the
// path_map list in YAML, or of MEDIAFLEET_PATH_MAP split at commas). A malformed rule is an
// error wrapping ErrBadPathMap with a sentence that says what to fix.
func ParsePathMap(rules []string) (PathMap, error) {
	var m PathMap
	seen := map[string]string{}
	for _, raw := range rules {
		r, err := parseRule(raw)
		if err != nil {
			return PathMap{}, err
		}
		key := r.From
		if r.fold {
			key = strings.ToLower(key)
		}
		if prev, dup := seen[key]; dup {
			return PathMap{}, newError(ErrBadPathMap, nil,
				"path map rules %q and %q have the same FROM: keep one of them", prev, raw)
		}
		seen[key] = raw
		m.rules = append(m.rules, r)
	}
	sort.SliceStable(m.rules, func(i, j int) bool { return len(m.rules[i].From) > len(m.rules[j].From) })
	return m, nil
}

// ParsePathMapList reads comma-separated rules, the form MEDIAFLEET_PATH_MAP takes
// ("E:/=/mnt/e/,D:/Photos=/srv/photos"). Empty items are ignored.
func ParsePathMapList(s string) (PathMap, error) {
	var rules []string
	for _, item := range strings.Split(s, ",") {
		if strings.TrimSpace(item) != "" {
			rules = append(rules, item)
		}
	}
	return ParsePathMap(rules)
}

func parseRule(raw string) (PathRule, error) {
	rule := strings.TrimSpace(raw)
	from, to, ok := strings.Cut(rule, "=")
	switch {
	case rule == "":
		return PathRule{}, newError(ErrBadPathMap, nil, "path map rule is empty: write it as FROM=TO, e.g. E:/=/mnt/e/")
	case !ok:
		return PathRule{}, newError(ErrBadPathMap, nil,
			"path map rule %q has no '=': write it as FROM=TO, e.g. E:/=/mnt/e/", raw)
	}
	from = strings.ReplaceAll(strings.TrimSpace(from), `\`, "/")
	to = strings.TrimSpace(to)
	switch {
	case from == "":
		return PathRule{}, newError(ErrBadPathMap, nil,
			"path map rule %q has an empty FROM: put the catalog's prefix before '=', e.g. E:/=/mnt/e/", raw)
	case to == "":
		return PathRule{}, newError(ErrBadPathMap, nil,
			"path map rule %q has an empty TO: put the local directory after '=', e.g. E:/=/mnt/e/", raw)
	case strings.Contains(to, "="):
		return PathRule{}, newError(ErrBadPathMap, nil,
			"path map rule %q has more than one '=': write one rule per FROM=TO and separate rules with commas", raw)
	case !filepath.IsAbs(to):
		return PathRule{}, newError(ErrBadPathMap, nil,
			"path map rule %q: TO %q is not an absolute path; write the local directory from the root, e.g. /mnt/e/", raw, to)
	}
	return PathRule{From: trimSlashes(from), To: filepath.Clean(to), fold: isWindowsPath(from)}, nil
}

// trimSlashes drops trailing slashes but keeps a bare root ("/", "//").
func trimSlashes(p string) string {
	t := strings.TrimRight(p, "/")
	if t == "" {
		return p
	}
	return t
}

// isWindowsPath tells a slash-separated path that only Windows can read: one that starts
// with a drive letter ("E:", "e:/x") or names a UNC share ("//nas/photos").
func isWindowsPath(p string) bool {
	if len(p) >= 2 && p[1] == ':' && (p[0] >= 'a' && p[0] <= 'z' || p[0] >= 'A' && p[0] <= 'Z') {
		return true
	}
	return len(p) > 2 && strings.HasPrefix(p, "//") && p[2] != '/'
}

// Rules are the map's rules, longest FROM first (the order in which they are tried).
func (m PathMap) Rules() []PathRule { return append([]PathRule(nil), m.rules...) }

// Apply maps one catalog path: backslashes become slashes, the longest matching FROM prefix
// is replaced by its TO, and the result is cleaned. Paths in any script pass through intact.
func (m PathMap) Apply(p string) string {
	out, _ := m.Map(p)
	return out
}

// Map is Apply that also tells whether a rule matched.
func (m PathMap) Map(p string) (string, bool) {
	return m.mapSlashed(strings.ReplaceAll(p, `\`, "/"))
}

// mapSlashed applies the rules to a path whose separators are already slashes (a local path,
// where a backslash is part of a name).
func (m PathMap) mapSlashed(p string) (string, bool) {
	for _, r := range m.rules {
		if n, ok := r.match(p); ok {
			// The rest is cleaned as if rooted, so ".." cannot climb out of To: E:/../../etc
			// under E:/=/mnt/e/ is /mnt/e/etc, never /etc.
			return filepath.Join(r.To, filepath.Clean("/"+p[n:])), true
		}
	}
	if p == "" {
		return "", false
	}
	return filepath.Clean(p), false
}

// match reports whether p lies under the rule's From and how many bytes of p From covers.
// From matches whole path elements only: E:/Photos matches E:/Photos/x, not E:/Photos2/x.
func (r PathRule) match(p string) (int, bool) {
	n, ok := len(r.From), strings.HasPrefix(p, r.From)
	if !ok && r.fold {
		n, ok = foldPrefix(p, r.From)
	}
	if !ok {
		return 0, false
	}
	return n, n == len(p) || p[n] == '/' || strings.HasSuffix(r.From, "/")
}

// foldPrefix reports whether s starts with prefix under simple Unicode case folding, and the
// length in bytes of s that the prefix covers.
func foldPrefix(s, prefix string) (int, bool) {
	i := 0
	for _, pr := range prefix {
		if i >= len(s) {
			return 0, false
		}
		sr, size := utf8.DecodeRuneInString(s[i:])
		if !foldEqual(sr, pr) {
			return 0, false
		}
		i += size
	}
	return i, true
}

func foldEqual(a, b rune) bool {
	if a == b {
		return true
	}
	for r := unicode.SimpleFold(a); r != a; r = unicode.SimpleFold(r) {
		if r == b {
			return true
		}
	}
	return false
}

// String is the rules as MEDIAFLEET_PATH_MAP would write them.
func (m PathMap) String() string {
	parts := make([]string, len(m.rules))
	for i, r := range m.rules {
		parts[i] = r.String()
	}
	return strings.Join(parts, ",")
}
