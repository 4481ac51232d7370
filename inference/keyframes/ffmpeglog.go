package keyframes

import (
	"bytes"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// ffLog reads ffmpeg's or ffprobe's log (run with -loglevel level+info or level+error) as it is
// written: the input's description, the showinfo filter's line for each written frame, and
// the complaints, of which only the last few are kept, so a run that logs without end stays
// within bounded memory.
type ffLog struct {
	strip   []string // prefixes such as "file:/x/y.mp4: " removed from messages
	partial []byte

	section  int // where the description lines are: one of the sec* values
	format   string
	refused  string  // the demuxer ffmpeg found but the whitelist refused, e.g. "hls"
	duration float64 // seconds, -1 when unknown
	streams  map[int]streamLine
	mapped   int // input stream index that ffmpeg decodes, -1 when not said
	last     int // the input video stream described last, whose side data follows, -1 before one
	tbNum    int64
	tbDen    int64
	frames   []shownFrame
	errs     []string // error, fatal and panic lines, newest last, at most keepLines
	warns    []string // warning lines, newest last, at most keepLines
	plain    []string // untagged lines, newest last, at most keepLines
}

const (
	secNone = iota
	secInput
	secOutput
	secMapping
)

var nan = math.NaN()

// keepLines is how many complaint lines of each level a log keeps.
const keepLines = 8

// maxLine is the longest line kept whole; the rest of a longer line is dropped.
const maxLine = 4096

// streamLine is what ffmpeg's description says about one input video stream.
type streamLine struct {
	codec         string
	width, height int
	fps           float64
	turned        bool // shown turned a quarter (display matrix of 90 or 270 degrees)
}

// shownFrame is one showinfo line: a frame that went to the encoder.
type shownFrame struct {
	pts     int64
	hasPTS  bool
	ptsTime float64 // showinfo's rounded seconds, NaN when absent
	width   int
	height  int
}

func newFFLog(strip ...string) *ffLog {
	return &ffLog{strip: strip, duration: -1, streams: map[int]streamLine{}, mapped: -1, last: -1}
}

// Write takes log bytes; it never fails.
func (l *ffLog) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			if room := maxLine - len(l.partial); room > 0 {
				l.partial = append(l.partial, p[:min(room, len(p))]...)
			}
			break
		}
		line := p[:i]
		if len(l.partial) > 0 {
			if room := maxLine - len(l.partial); room > 0 {
				l.partial = append(l.partial, line[:min(room, len(line))]...)
			}
			line = l.partial
		}
		l.line(string(bytes.TrimRight(line, "\r")))
		l.partial = l.partial[:0]
		p = p[i+1:]
	}
	return n, nil
}

// flush reads a last line that had no newline.
func (l *ffLog) flush() {
	if len(l.partial) > 0 {
		l.line(string(l.partial))
		l.partial = l.partial[:0]
	}
}

var (
	reContext = regexp.MustCompile(`^\[([^\]@]*?) @ 0x[0-9a-fA-F]+\] `)
	reLevel   = regexp.MustCompile(`^\[(trace|debug|verbose|info|warning|error|fatal|panic)\] `)
	reInput   = regexp.MustCompile(`^Input #0, (.*), from '`)
	reDur     = regexp.MustCompile(`^Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)`)
	reStream  = regexp.MustCompile(`^Stream #0:(\d+)\S*: Video: ([A-Za-z0-9_]+)`)
	reSize    = regexp.MustCompile(`, (\d+)x(\d+)`)
	reFPS     = regexp.MustCompile(`, ([0-9.]+)(k?) fps`)
	reRotate  = regexp.MustCompile(`^displaymatrix: rotation of (-?[0-9.]+) degrees`)
	reMap     = regexp.MustCompile(`^Stream #0:(\d+) -> #\d+:\d+`)
	reTB      = regexp.MustCompile(`^config in time_base: (\d+)/(\d+)`)
	reShow    = regexp.MustCompile(`^n:\s*\d+\s+pts:\s*(\S+)\s+pts_time:(\S+).*\bs:(\d+)x(\d+)\b`)
)

func (l *ffLog) line(s string) {
	var context string
	for {
		m := reContext.FindStringSubmatchIndex(s)
		if m == nil {
			break
		}
		if context == "" {
			context = s[m[2]:m[3]]
		}
		s = s[m[1]:]
	}
	level := "" // an untagged line: logged before -loglevel took effect, or a continuation
	if m := reLevel.FindStringSubmatch(s); m != nil {
		level = m[1]
		s = s[len(m[0]):]
	}
	switch {
	case strings.HasPrefix(context, "Parsed_showinfo"):
		l.showinfo(s)
	case level == "warning" || level == "error" || level == "fatal" || level == "panic":
		if context == "swscaler" { // colour-range notices about the JPEG pixel format
			return
		}
		msg := l.clean(s)
		if msg == "" {
			return
		}
		if strings.HasPrefix(msg, "Format not on whitelist") && context != "" && l.refused == "" {
			l.refused = context
		}
		if level == "warning" {
			l.warns = keepLast(l.warns, msg)
		} else {
			l.errs = keepLast(l.errs, msg)
		}
	case context == "" && level == "info":
		l.describe(strings.TrimSpace(s))
	case level == "":
		if msg := l.clean(s); msg != "" {
			l.plain = keepLast(l.plain, msg)
		}
	}
}

// describe reads ffmpeg's description of its input.
func (l *ffLog) describe(s string) {
	if m := reInput.FindStringSubmatch(s); m != nil {
		l.section, l.format = secInput, m[1]
		return
	}
	switch {
	case strings.HasPrefix(s, "Output #"):
		l.section = secOutput
		return
	case s == "Stream mapping:":
		l.section = secMapping
		return
	}
	switch l.section {
	case secInput:
		if m := reDur.FindStringSubmatch(s); m != nil {
			h, _ := strconv.Atoi(m[1])
			mi, _ := strconv.Atoi(m[2])
			sec, _ := strconv.ParseFloat(m[3], 64)
			l.duration = float64(h*3600+mi*60) + sec
		} else if m := reStream.FindStringSubmatch(s); m != nil && !coverArt(s) {
			idx, _ := strconv.Atoi(m[1])
			st := streamLine{codec: m[2]}
			if sz := reSize.FindStringSubmatch(s); sz != nil {
				st.width, _ = strconv.Atoi(sz[1])
				st.height, _ = strconv.Atoi(sz[2])
			}
			if f := reFPS.FindStringSubmatch(s); f != nil {
				st.fps, _ = strconv.ParseFloat(f[1], 64)
				if f[2] == "k" {
					st.fps *= 1000
				}
			}
			l.streams[idx] = st
			l.last = idx
		} else if m := reRotate.FindStringSubmatch(s); m != nil && l.last >= 0 {
			st := l.streams[l.last]
			deg, _ := strconv.ParseFloat(m[1], 64)
			st.turned = quarterTurn(deg)
			l.streams[l.last] = st
		}
	case secMapping:
		if m := reMap.FindStringSubmatch(s); m != nil && l.mapped < 0 {
			l.mapped, _ = strconv.Atoi(m[1])
		}
	}
}

// coverArt reports a stream line of a picture attached to the file (an album cover, a
// thumbnail) rather than a video; -map 0:V skips those streams too.
func coverArt(s string) bool {
	return strings.HasSuffix(s, "(attached pic)") || strings.HasSuffix(s, "(timed thumbnails)")
}

func (l *ffLog) showinfo(s string) {
	if m := reTB.FindStringSubmatch(s); m != nil {
		l.tbNum, _ = strconv.ParseInt(m[1], 10, 64)
		l.tbDen, _ = strconv.ParseInt(m[2], 10, 64)
		return
	}
	m := reShow.FindStringSubmatch(s)
	if m == nil {
		return
	}
	f := shownFrame{}
	if v, err := strconv.ParseInt(m[1], 10, 64); err == nil {
		f.pts, f.hasPTS = v, true
	}
	var err error
	if f.ptsTime, err = strconv.ParseFloat(m[2], 64); err != nil {
		f.ptsTime = nan
	}
	f.width, _ = strconv.Atoi(m[3])
	f.height, _ = strconv.Atoi(m[4])
	l.frames = append(l.frames, f)
}

// seconds is a shown frame's time: pts times the filter's time base when both are known, else
// showinfo's rounded pts_time, else NaN.
func (l *ffLog) seconds(f shownFrame) float64 {
	if f.hasPTS && l.tbNum > 0 && l.tbDen > 0 {
		return float64(f.pts) * float64(l.tbNum) / float64(l.tbDen)
	}
	return f.ptsTime
}

// video is the decoded stream's description, ok false when the log did not give its codec
// and size.
func (l *ffLog) video() (VideoInfo, bool) {
	idx := l.mapped
	if _, found := l.streams[idx]; !found {
		idx = -1
		for i := range l.streams {
			if idx < 0 || i < idx {
				idx = i
			}
		}
	}
	st, found := l.streams[idx]
	v := VideoInfo{Duration: max(l.duration, 0), FPS: st.fps, Width: st.width, Height: st.height, Codec: st.codec, Format: l.format}
	if st.turned {
		v.Width, v.Height = v.Height, v.Width
	}
	return v, found && st.codec != "" && st.width > 0 && st.height > 0
}
