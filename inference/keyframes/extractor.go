package keyframes

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// Defaults for the Extractor fields left at zero; they match configs/default.yaml.
const (
	DefaultMinSpacing       = time.Second
	DefaultMaxFrames        = 50
	DefaultFallbackInterval = 10 * time.Second
	DefaultTimeout          = 5 * time.Minute
	DefaultJPEGQuality      = 3
)

// MaxFramesLimit is the largest MaxFrames: frame files are named with four digits.
const MaxFramesLimit = 9999

// algorithm names the way frames are chosen; bump it when the selection logic changes so
// that stored results keyed by ModelVersion are redone.
const algorithm = "kf1"

// Extractor takes keyframes out of videos. The zero value of each field means its default;
// an Extractor is a plain value, safe to copy (for example to set a per-task Logger) and to
// use from many goroutines at once.
type Extractor struct {
	// FFmpeg and FFprobe are the programs to run, looked up in PATH when they have no slash.
	// Default "ffmpeg" and "ffprobe".
	FFmpeg, FFprobe string
	// MinSpacing drops a keyframe closer than this to the previous kept frame. Default 1s;
	// negative: keep every keyframe.
	MinSpacing time.Duration
	// MaxFrames caps the frames of one video; more are thinned evenly, first and last kept.
	// Default 50, at most MaxFramesLimit.
	MaxFrames int
	// FallbackInterval decides when keyframes are too sparse and how dense the fallback is.
	// With D the duration in seconds, F this interval, n the keyframes kept and
	// want = floor(D/F)+1 (the frames one every F would give), keyframes are too sparse when
	// n < want/2, or n < 2 while want >= 2. Then every frame is decoded and one is kept
	// whenever F (stretched to D/MaxFrames for long videos) has passed since the previous
	// kept frame, keyframes MinSpacing apart being kept as well.
	// Default 10s; negative: never fall back (a video without keyframes is then an error).
	FallbackInterval time.Duration
	// Timeout bounds a whole Extract, both passes. Default 5m.
	Timeout time.Duration
	// JPEGQuality is ffmpeg's -q:v for the frames, 2 (best) to 31. Default 3.
	JPEGQuality int
	// MaxEdge, when positive, shrinks frames so that neither side exceeds it (aspect kept,
	// never enlarged). Zero keeps the decoded size.
	MaxEdge int
	// Logger receives debug lines (commands, counts) and warnings (ffmpeg complaints about
	// a file it still decoded). The zero value logs nothing.
	Logger zerolog.Logger
}

// settings is an Extractor with defaults applied and disabled values at zero.
type settings struct {
	ffmpeg, ffprobe  string
	minSpacing       time.Duration // 0: off
	maxFrames        int
	fallbackInterval time.Duration // 0: off
	timeout          time.Duration
	jpegQuality      int
	maxEdge          int
}

func (e Extractor) settings() settings {
	s := settings{
		ffmpeg:           cmp.Or(e.FFmpeg, "ffmpeg"),
		ffprobe:          cmp.Or(e.FFprobe, "ffprobe"),
		minSpacing:       cmp.Or(e.MinSpacing, DefaultMinSpacing),
		maxFrames:        cmp.Or(e.MaxFrames, DefaultMaxFrames),
		fallbackInterval: cmp.Or(e.FallbackInterval, DefaultFallbackInterval),
		timeout:          cmp.Or(e.Timeout, DefaultTimeout),
		jpegQuality:      cmp.Or(e.JPEGQuality, DefaultJPEGQuality),
		maxEdge:          e.MaxEdge,
	}
	s.minSpacing = max(s.minSpacing, 0)
	s.fallbackInterval = max(s.fallbackInterval, 0)
	return s
}

// Validate reports settings that cannot work, wrapping ErrConfig.
func (e Extractor) Validate() error {
	s := e.settings()
	var errs []error
	if s.maxFrames < 1 || s.maxFrames > MaxFramesLimit {
		errs = append(errs, fmt.Errorf("max frames %d is outside 1..%d", e.MaxFrames, MaxFramesLimit))
	}
	if s.timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout %s is negative", e.Timeout))
	}
	if s.jpegQuality < 2 || s.jpegQuality > 31 {
		errs = append(errs, fmt.Errorf("jpeg quality %d is outside ffmpeg's 2..31", e.JPEGQuality))
	}
	if s.maxEdge < 0 || (s.maxEdge > 0 && s.maxEdge < 16) {
		errs = append(errs, fmt.Errorf("max edge %d is neither 0 (keep size) nor at least 16", e.MaxEdge))
	}
	if s.fallbackInterval > 0 && s.fallbackInterval < s.minSpacing {
		errs = append(errs, fmt.Errorf("fallback interval %s is shorter than min spacing %s", s.fallbackInterval, s.minSpacing))
	}
	if len(errs) == 0 {
		return nil
	}
	msgs := make([]string, len(errs))
	for i, err := range errs {
		msgs[i] = err.Error()
	}
	return &Error{Problem: "invalid keyframes settings", Detail: strings.Join(msgs, "; "), Kind: ErrConfig, Err: errors.Join(errs...)}
}

// ModelVersion names the settings that decide which frames are written and how, e.g.
// "kf1-3f9c0a1b": the selection algorithm and a short hash of MinSpacing, MaxFrames,
// FallbackInterval, JPEGQuality and MaxEdge (after defaults). Results keyed by it are redone
// when any of these change; program paths, Timeout and Logger do not count. It holds no colon,
// so it can end a TaskID.
func (e Extractor) ModelVersion() string {
	s := e.settings()
	key := fmt.Sprintf("min_spacing=%d;max_frames=%d;fallback=%d;quality=%d;max_edge=%d",
		s.minSpacing.Nanoseconds(), s.maxFrames, s.fallbackInterval.Nanoseconds(), s.jpegQuality, s.maxEdge)
	sum := sha256.Sum256([]byte(key))
	return algorithm + "-" + hex.EncodeToString(sum[:4])
}

// Check makes sure ffmpeg and ffprobe can run here and that ffmpeg knows the options Extract
// uses, and validates the settings. A worker calls it once at start; the error wraps ErrConfig
// and says how to install ffmpeg.
func (e Extractor) Check(ctx context.Context) error {
	if err := e.Validate(); err != nil {
		return err
	}
	s := e.settings()
	for _, tool := range []string{s.ffmpeg, s.ffprobe} {
		if _, err := exec.LookPath(tool); err != nil {
			return missingTool(tool, err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// Options are checked before -version is acted on, so an ffmpeg older than 5.1
	// (no -fps_mode) fails here rather than on every video.
	args := append([]string{"-hide_banner", "-loglevel", "level+error"}, inputOptions()...)
	args = append(args, "-fflags", "+genpts", "-skip_frame", "nokey", "-fps_mode", "passthrough", "-version")
	r, err := runTool(ctx, s.ffmpeg, args, nil, false)
	if err == nil && r.exitErr != nil {
		return &Error{Tool: "ffmpeg", Problem: fmt.Sprintf("%s cannot run the options keyframes uses (ffmpeg 5.1 or newer is needed); %s", s.ffmpeg, setupHint),
			Detail: r.log.message(), Kind: ErrConfig, Err: r.exitErr}
	}
	return err
}
