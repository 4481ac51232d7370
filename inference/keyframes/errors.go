package keyframes

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// ErrPermanent marks an error that retrying the same file cannot fix: the input itself is bad.
// Test for it with IsPermanent or errors.Is. Every other error from this package may succeed
// on a retry (a time-out, a cancelled context, a full disk, a file that is not there right now)
// or needs the operator (ErrConfig).
var ErrPermanent = errors.New("permanent")

// The kinds of bad input; each wraps ErrPermanent.
var (
	// ErrInvalidMedia is a file ffmpeg or ffprobe cannot read as media: empty, random bytes,
	// text, a container without its index, or a video from which no frame decodes.
	ErrInvalidMedia = fmt.Errorf("not a decodable video (%w)", ErrPermanent)
	// ErrNotVideo is a readable media file without a video to take frames from: audio only,
	// or a still image.
	ErrNotVideo = fmt.Errorf("not a video (%w)", ErrPermanent)
)

// ErrTimeout is an ffmpeg or ffprobe run stopped by Extractor.Timeout or by the caller's
// deadline. It is transient: a less busy machine, or a longer time-out, may succeed.
var ErrTimeout = errors.New("timed out")

// ErrConfig is a problem with this machine or these settings rather than with the file:
// ffmpeg or ffprobe missing or not runnable, an ffmpeg too old for the options used, or
// invalid Extractor fields. It is not permanent for the file; a worker should find it at
// start with Extractor.Check and refuse to run.
var ErrConfig = errors.New("configuration error")

// IsPermanent reports whether err says that the file is bad input that a retry cannot fix.
func IsPermanent(err error) bool { return errors.Is(err, ErrPermanent) }

// Error is a failure to probe or extract from one file: which file, which tool, what went
// wrong and what the tool itself said.
type Error struct {
	// Path is the video file.
	Path string
	// Tool is "ffmpeg" or "ffprobe" when one of them ran, else empty.
	Tool string
	// Problem says what is wrong, for a person.
	Problem string
	// Detail is the tool's own message: its last meaningful log lines, trimmed.
	Detail string
	// Kind is ErrInvalidMedia, ErrNotVideo, ErrTimeout, ErrConfig or nil (other trouble).
	Kind error
	// Err is the underlying cause, if any (an *exec.ExitError, a context error, an fs error).
	Err error
}

// Error reads "keyframes: PATH: PROBLEM: TOOL: DETAIL".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("keyframes: ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Problem)
	switch {
	case e.Detail != "" && e.Tool != "":
		fmt.Fprintf(&b, ": %s said: %s", e.Tool, e.Detail)
	case e.Detail != "":
		fmt.Fprintf(&b, ": %s", e.Detail)
	case e.Err != nil:
		cause := e.Err
		var pe *fs.PathError
		if errors.As(cause, &pe) && pe.Path == e.Path {
			cause = pe.Err // the path is already said
		}
		if !strings.Contains(e.Problem, cause.Error()) {
			fmt.Fprintf(&b, ": %v", cause)
		}
	}
	return b.String()
}

// Unwrap lets errors.Is see the kind (and so ErrPermanent) and the cause.
func (e *Error) Unwrap() []error {
	var errs []error
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// setupHint tells an operator how to get ffmpeg.
const setupHint = "install ffmpeg (apt-get install ffmpeg) or run `go tool task setup`, or set the ffmpeg/ffprobe path"
