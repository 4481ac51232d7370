package keyframes

import "strings"

// message is the tool's own account of what went wrong: its last error lines, else its last
// warnings, else its last untagged lines, joined and trimmed.
func (l *ffLog) message() string {
	lines := l.errs
	if len(lines) == 0 {
		lines = l.warns
	}
	if len(lines) == 0 {
		lines = l.plain
	}
	return joinTail(lines, 3, 400)
}

// complaints are the kept warning and error lines, for a run that succeeded anyway.
func (l *ffLog) complaints() []string {
	out := make([]string, 0, len(l.warns)+len(l.errs))
	out = append(out, l.warns...)
	return append(out, l.errs...)
}

// everything is every kept complaint, untagged lines included, for judging a failed run.
func (l *ffLog) everything() string {
	return strings.Join(append(l.complaints(), l.plain...), "\n")
}

// clean drops the file name that ffmpeg puts in front of many messages, and trims.
func (l *ffLog) clean(s string) string {
	s = strings.TrimSpace(s)
	for _, p := range l.strip {
		if p != "" {
			s = strings.TrimPrefix(s, p)
		}
	}
	s = strings.TrimSpace(s)
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "") + "..."
	}
	return s
}

func keepLast(lines []string, s string) []string {
	if n := len(lines); n > 0 && lines[n-1] == s {
		return lines
	}
	if len(lines) == keepLines {
		copy(lines, lines[1:])
		lines = lines[:keepLines-1]
	}
	return append(lines, s)
}

func joinTail(lines []string, n, limit int) string {
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	s := strings.Join(lines, "; ")
	if len(s) > limit {
		s = "..." + strings.ToValidUTF8(s[len(s)-limit:], "")
	}
	return s
}
