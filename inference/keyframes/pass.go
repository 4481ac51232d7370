package keyframes

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// passKind is which frames an ffmpeg pass decodes.
type passKind int

const (
	// keyframePass decodes keyframes only and keeps those MinSpacing apart.
	keyframePass passKind = iota
	// intervalPass decodes every frame and keeps one per interval, plus keyframes MinSpacing apart.
	intervalPass
)

// ffmpegArgs is the command line of one pass: frames of input go through select, an optional
// scale and showinfo (which logs each written frame's pts and size) into scratch/%06d.jpg.
// -fps_mode passthrough writes every frame that leaves the filters, never dropping or
// duplicating one, so the n-th showinfo line is the n-th file; like vfr it adds no frames.
func ffmpegArgs(s settings, kind passKind, input, scratch string, interval time.Duration) []string {
	// +genpts: containers that store no presentation times (AVI) get them computed by the
	// demuxer. Without it a decoder that holds frames back for B-frame reordering (MPEG-4 Part 2
	// in AVI) stamps each keyframe, when the frames in between are skipped, with the time of
	// the next keyframe: seconds off. With it the times match a full decode's.
	args := append([]string{"-hide_banner", "-nostdin", "-nostats", "-loglevel", "level+info"}, inputOptions()...)
	// -max_error_rate 1: a video whose first seconds are damaged would otherwise make ffmpeg
	// give up (exit 69) on the share of frames that failed, though the rest decodes; Extract
	// keeps what decodes and fails only when nothing does.
	args = append(args, "-max_error_rate", "1", "-fflags", "+genpts")
	var sel string
	spacing := seconds(s.minSpacing)
	if kind == keyframePass {
		args = append(args, "-skip_frame", "nokey")
		// key: a decoder that ignores -skip_frame still yields only keyframes.
		sel = "key"
		if s.minSpacing > 0 {
			sel = "key*(isnan(prev_selected_t)+gte(t-prev_selected_t," + spacing + "))"
		}
	} else {
		sel = "isnan(prev_selected_t)+gte(t-prev_selected_t," + seconds(interval) + ")+key*gte(t-prev_selected_t," + spacing + ")"
	}
	filters := []string{"select='" + sel + "'"}
	if s.maxEdge > 0 {
		m := strconv.Itoa(s.maxEdge)
		filters = append(filters, "scale=w='min(iw,"+m+")':h='min(ih,"+m+")':force_original_aspect_ratio=decrease:force_divisible_by=2")
	}
	filters = append(filters, "showinfo")
	// The image2 muxer reads % in the output name as a pattern; the folder's own % must be doubled.
	pattern := "file:" + strings.ReplaceAll(filepath.Clean(scratch), "%", "%%") + string(filepath.Separator) + "%06d.jpg"
	return append(args, "-i", "file:"+input, "-map", "0:V:0", "-vf", strings.Join(filters, ","),
		"-fps_mode", "passthrough", "-q:v", strconv.Itoa(s.jpegQuality), "-f", "image2", pattern)
}

// seconds writes d as seconds for an ffmpeg expression.
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}

// runPass runs one ffmpeg pass into scratch, which must be empty, and checks that every
// frame it logged is a file there.
func (e Extractor) runPass(ctx context.Context, s settings, kind passKind, path, abs, scratch string, interval time.Duration) (*ffLog, error) {
	args := ffmpegArgs(s, kind, abs, scratch, interval)
	e.Logger.Debug().Str("path", path).Strs("args", args).Msg("keyframes: running ffmpeg")
	log := newFFLog(stripPrefixes(path, abs)...)
	r, err := runTool(ctx, s.ffmpeg, args, log, false)
	if err != nil {
		return nil, withPath(err, path)
	}
	if r.exitErr != nil {
		return nil, judge(r, "ffmpeg", path, scratch)
	}
	n, err := countFrames(scratch)
	if err != nil {
		return nil, &Error{Path: path, Problem: "cannot list the frames ffmpeg wrote", Err: err}
	}
	if n != len(log.frames) {
		return nil, &Error{Path: path, Tool: "ffmpeg",
			Problem: fmt.Sprintf("ffmpeg wrote %d frame files but logged %d frames", n, len(log.frames)), Detail: log.message()}
	}
	return log, nil
}

// tooSparse is the rule of Extractor.FallbackInterval: with want = floor(D/F)+1 frames from
// one every F seconds, n keyframes are too few when n < want/2, or n < 2 while want >= 2.
// An unknown duration (0) makes want 1, so only a video without keyframes falls back.
func tooSparse(n int, duration float64, interval time.Duration) bool {
	want := 1
	if duration > 0 && interval > 0 {
		want = int(duration/interval.Seconds()) + 1
	}
	return 2*n < want || (n < 2 && want >= 2)
}

// fallbackInterval is the fallback's spacing: FallbackInterval, stretched so that a long
// video gives about MaxFrames frames rather than thousands to thin out.
func fallbackInterval(s settings, duration float64) time.Duration {
	iv := s.fallbackInterval
	if duration > 0 {
		if even := time.Duration(duration / float64(s.maxFrames) * float64(time.Second)); even > iv {
			iv = even
		}
	}
	return iv
}
