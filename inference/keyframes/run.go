package keyframes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/mediafleet/mediafleet/inference/mediafile"
)

// toolRun is what one ffmpeg or ffprobe run left behind.
type toolRun struct {
	stdout  []byte
	log     *ffLog
	exitErr error // the tool ran and failed (exit status or signal); nil on success
}

// runTool runs bin with args, scanning its log into log (a fresh one when nil) and keeping
// stdout when wantStdout. The error is for runs that gave no answer: the program missing
// (ErrConfig) or the context done (ErrTimeout, or the caller's cancellation). A tool that ran
// and failed comes back with exitErr set for the caller to judge with its log.
func runTool(ctx context.Context, bin string, args []string, log *ffLog, wantStdout bool) (toolRun, error) {
	if log == nil {
		log = newFFLog()
	}
	r := toolRun{log: log}
	limit := time.Duration(0)
	if dl, ok := ctx.Deadline(); ok {
		limit = time.Until(dl)
	}
	if err := ctx.Err(); err != nil {
		return r, contextError(ctx, bin, limit)
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "AV_LOG_FORCE_NOCOLOR=1")
	cmd.Stderr = log
	var stdout bytes.Buffer
	if wantStdout {
		cmd.Stdout = &stdout
	}
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		if ctx.Err() != nil {
			return r, contextError(ctx, bin, limit)
		}
		return r, missingTool(bin, err)
	}
	err := cmd.Wait()
	log.flush()
	r.stdout = stdout.Bytes()
	if err != nil && ctx.Err() != nil {
		return r, contextError(ctx, bin, limit)
	}
	r.exitErr = err
	return r, nil
}

func missingTool(bin string, err error) error {
	return &Error{Problem: fmt.Sprintf("cannot run %s; %s", bin, setupHint), Kind: ErrConfig, Err: err}
}

// contextError says that ctx ended a run of bin, which had limit left when it was started.
func contextError(ctx context.Context, bin string, limit time.Duration) error {
	tool := filepath.Base(bin)
	cause := context.Cause(ctx)
	if errors.Is(cause, context.DeadlineExceeded) {
		problem := tool + " did not finish in time"
		if limit > 0 {
			problem = fmt.Sprintf("%s did not finish in the %s left before the deadline", tool, limit.Round(time.Millisecond))
		}
		return &Error{Tool: tool, Problem: problem, Kind: ErrTimeout, Err: cause}
	}
	return &Error{Tool: tool, Problem: tool + " was stopped: " + cause.Error(), Err: cause}
}

// Log phrases that put the blame on this machine or on ffmpeg rather than on the file.
var (
	configPhrases = []string{"Unrecognized option", "Option not found", "Error splitting the argument list",
		"No such filter", "Unknown encoder"}
	localPhrases = []string{"No space left on device", "Cannot allocate memory", "Input/output error",
		"Permission denied", "Read-only file system", "Disk quota exceeded", "Too many open files"}
)

// judge turns a failed run into an error: a signal or local trouble is transient, an option
// ffmpeg does not know is ErrConfig, an output-side failure (a message that names the scratch
// folder) is transient, and the rest is the file's fault: ErrNotVideo when the input was read
// and had no video stream, else ErrInvalidMedia.
func judge(r toolRun, tool, path, scratch string) error {
	msg := r.log.message()
	e := &Error{Path: path, Tool: tool, Detail: msg, Err: r.exitErr}
	var ee *exec.ExitError
	if errors.As(r.exitErr, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			e.Problem = fmt.Sprintf("%s was killed by %s", tool, ws.Signal())
			return e
		}
		// ffmpeg catches SIGINT and SIGTERM and then exits with 255, and only then.
		if tool == "ffmpeg" && ee.ExitCode() == 255 {
			e.Problem = "ffmpeg was stopped by a signal"
			return e
		}
	}
	if r.log.refused != "" {
		return refusedFormat(path, tool, r.log.refused)
	}
	all := r.log.everything()
	switch {
	case containsAny(all, configPhrases):
		e.Problem = fmt.Sprintf("%s does not accept the options keyframes uses (ffmpeg 5.1 or newer is needed); %s", tool, setupHint)
		e.Kind = ErrConfig
	case containsAny(all, localPhrases) || (scratch != "" && strings.Contains(all, scratch)):
		e.Problem = tool + " could not read the file or write the frames"
	case r.log.format != "" && len(r.log.streams) == 0:
		e.Problem = "no video stream in the file"
		e.Kind = ErrNotVideo
	default:
		e.Problem = tool + " cannot decode the file"
		e.Kind = ErrInvalidMedia
	}
	return e
}

func containsAny(s string, phrases []string) bool {
	for _, p := range phrases {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

// checkInput makes sure path is a non-empty regular file this process can open. A file that
// is not there, or not readable, is not permanent: a media mount may come back.
func checkInput(path string) error {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &Error{Path: path, Problem: "file not found", Err: err}
	case err != nil:
		return &Error{Path: path, Problem: "cannot read the file", Err: err}
	case st.IsDir():
		return &Error{Path: path, Problem: "is a directory, not a video file", Kind: ErrInvalidMedia}
	}
	st, err = mediafile.Check(path)
	switch {
	case errors.Is(err, mediafile.ErrNotRegular):
		return &Error{Path: path, Problem: strings.TrimPrefix(err.Error(), path+" "), Kind: ErrInvalidMedia}
	case err != nil:
		return &Error{Path: path, Problem: "cannot read the file", Err: err}
	case st.Size() == 0:
		return &Error{Path: path, Problem: "empty file (0 bytes)", Kind: ErrInvalidMedia}
	}
	return nil
}

// stillImageFormat reports container names of single images, which are not videos.
func stillImageFormat(format string) bool {
	return format == "image2" || strings.HasSuffix(format, "_pipe")
}
