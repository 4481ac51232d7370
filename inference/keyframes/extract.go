package keyframes

import (
	"context"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
)

// Result is what Extract wrote for one video.
type Result struct {
	// Video describes the video, from ffmpeg's own description of its input (Probe's figures
	// rounded as ffmpeg prints them: duration to 1/100 s, frame rate to 2 decimals).
	Video VideoInfo
	// Frames are the written frames in time order.
	Frames []Frame
	// Keyframes is how many keyframes the first pass kept (MinSpacing applied), before any
	// fallback or thinning to MaxFrames.
	Keyframes int
	// Fallback is true when keyframes were too sparse and Frames come from the pass that
	// decodes every frame (see Extractor.FallbackInterval).
	Fallback bool
	// Warnings are ffmpeg's complaints about a file it still decoded (a truncated file, a
	// corrupt packet), trimmed; empty for a clean file.
	Warnings []string
	// Damaged is true when ffmpeg reported errors decoding part of the file: Frames are what
	// decoded of the rest.
	Damaged bool
}

// Frame is one written frame.
type Frame struct {
	// Index is the frame's 1-based number; its file is FrameName(Index).
	Index int
	// Timestamp is the frame's time in seconds from the start of the video, within
	// [0, Video.Duration] when the duration is known.
	Timestamp float64
	// Path is the JPEG file: outDir joined with FrameName(Index).
	Path string
	// Width and Height are the JPEG's size in pixels.
	Width, Height int
}

// Extract writes the keyframes of the video at path into outDir (created if needed) as
// 0001.jpg, 0002.jpg, ... and says what it wrote. The common case is one ffmpeg run that
// decodes keyframes only; videos with too few keyframes get a second run (see
// FallbackInterval). Frames are written to a scratch folder inside outDir and renamed into
// place only when the run succeeded, so a failed run leaves an earlier result untouched and a
// repeated run replaces it, removing frames beyond the new count; other files in outDir stay.
//
// Errors are *Error values: IsPermanent for a corrupt, truncated-beyond-use, empty or
// non-video file, ErrTimeout when Timeout or ctx's deadline passed, ErrConfig when ffmpeg is
// missing or the settings are invalid; a file that is not there (fs.ErrNotExist) or cannot be
// read or written is neither, so a retry may succeed. A truncated file that still decodes
// gives the frames it has, with ffmpeg's complaints in Result.Warnings.
func (e Extractor) Extract(ctx context.Context, path, outDir string) (res *Result, err error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	s := e.settings()
	if outDir == "" {
		return nil, &Error{Path: path, Problem: "no folder given for the frames", Kind: ErrConfig}
	}
	if err := checkInput(path); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, &Error{Path: path, Problem: "cannot resolve the path", Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()

	_, statErr := os.Stat(outDir)
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, &Error{Path: path, Problem: "cannot create the frames folder " + outDir, Err: err}
	}
	if errors.Is(statErr, fs.ErrNotExist) {
		defer func() {
			if err != nil {
				// A failed run leaves no empty folder of its own behind; Remove refuses a
				// folder with anything in it (another run's scratch or frames).
				_ = os.Remove(outDir)
			}
		}()
	}
	sweepScratch(outDir, 2*s.timeout, e.Logger)
	scratch, err := os.MkdirTemp(outDir, scratchPrefix+"*")
	if err != nil {
		return nil, &Error{Path: path, Problem: "cannot create a scratch folder in " + outDir, Err: err}
	}
	defer os.RemoveAll(scratch)

	log, err := e.runPass(ctx, s, keyframePass, path, abs, scratch, 0)
	if err != nil {
		return nil, err
	}
	video, err := e.videoInfo(ctx, s, log, path)
	if err != nil {
		return nil, err
	}
	res = &Result{Video: video}
	frames := timed(log, video.Duration)
	res.Keyframes = len(frames)
	warnings := log.complaints()
	damaged := len(log.errs) > 0

	if s.fallbackInterval > 0 && tooSparse(len(frames), video.Duration, s.fallbackInterval) {
		if err := clearDir(scratch); err != nil {
			return nil, &Error{Path: path, Problem: "cannot empty the scratch folder " + scratch, Err: err}
		}
		iv := fallbackInterval(s, video.Duration)
		e.Logger.Debug().Str("path", path).Int("keyframes", len(frames)).Float64("duration", video.Duration).
			Dur("interval", iv).Msg("keyframes: too sparse, decoding every frame")
		log, err = e.runPass(ctx, s, intervalPass, path, abs, scratch, iv)
		if err != nil {
			return nil, err
		}
		frames = timed(log, video.Duration)
		res.Fallback = true
		damaged = damaged || len(log.errs) > 0
		for _, w := range log.complaints() {
			if !slices.Contains(warnings, w) {
				warnings = append(warnings, w)
			}
		}
	}
	if len(frames) == 0 {
		return nil, &Error{Path: path, Tool: "ffmpeg", Problem: "no video frame could be decoded",
			Detail: joinTail(warnings, 3, 400), Kind: ErrInvalidMedia}
	}

	picks := spread(len(frames), s.maxFrames)
	files := make([]int, len(picks))
	for j, i := range picks {
		f := frames[i]
		files[j] = f.file
		res.Frames = append(res.Frames, Frame{Index: j + 1, Timestamp: f.t,
			Path: filepath.Join(outDir, FrameName(j+1)), Width: f.width, Height: f.height})
	}
	if err := publish(scratch, outDir, files); err != nil {
		return nil, &Error{Path: path, Problem: "cannot move the frames into " + outDir, Err: err}
	}
	res.Warnings = warnings
	res.Damaged = damaged
	if len(warnings) > 0 {
		e.Logger.Warn().Str("path", path).Strs("ffmpeg", warnings).Int("frames", len(res.Frames)).
			Msg("keyframes: ffmpeg complained about the file but decoded frames")
	}
	e.Logger.Debug().Str("path", path).Int("keyframes", res.Keyframes).Bool("fallback", res.Fallback).
		Int("frames", len(res.Frames)).Msg("keyframes: extracted")
	return res, nil
}

// videoInfo reads the video's description from ffmpeg's log, asking ffprobe only when the log
// lacks it, and refuses still images.
func (e Extractor) videoInfo(ctx context.Context, s settings, log *ffLog, path string) (VideoInfo, error) {
	v, ok := log.video()
	if !ok {
		e.Logger.Debug().Str("path", path).Msg("keyframes: ffmpeg's log did not describe the video, asking ffprobe")
		var err error
		if v, err = Probe(ctx, s.ffprobe, path); err != nil {
			return v, err
		}
	}
	if stillImageFormat(v.Format) {
		return v, &Error{Path: path, Problem: "a still image (" + v.Format + " " + v.Codec + "), not a video", Kind: ErrNotVideo}
	}
	return v, nil
}

// timedFrame is a logged frame with its time and its ffmpeg file number.
type timedFrame struct {
	file          int
	t             float64
	width, height int
}

// timed gives the logged frames their times, clamped to [0, duration] (when known), and drops
// any whose time does not advance on the frame before, so times strictly increase.
func timed(log *ffLog, duration float64) []timedFrame {
	out := make([]timedFrame, 0, len(log.frames))
	for i, f := range log.frames {
		t := log.seconds(f)
		if math.IsNaN(t) {
			if len(out) > 0 {
				continue
			}
			t = 0
		}
		t = max(t, 0)
		if duration > 0 {
			t = min(t, duration)
		}
		if len(out) > 0 && t <= out[len(out)-1].t {
			continue
		}
		out = append(out, timedFrame{file: i + 1, t: t, width: f.width, height: f.height})
	}
	return out
}
