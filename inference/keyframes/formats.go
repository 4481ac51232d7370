package keyframes

import (
	"fmt"
	"strings"
)

// demuxers are the containers ffmpeg and ffprobe may open: those of the video extensions
// mediafleet reads (.mp4 .m4v .mov, .mkv, .avi). Anything else ffmpeg recognises (an HLS
// playlist, an ffconcat list, a still image) is refused before it is opened, so a file inside
// the media roots can never make ffmpeg read another file, outside them or anywhere else.
var demuxers = []string{"mov", "mp4", "m4a", "3gp", "3g2", "mj2", "matroska", "webm", "avi"}

// inputOptions go before every -i and every ffprobe input: the file protocol only, and only
// the demuxers above.
func inputOptions() []string {
	return []string{"-protocol_whitelist", "file", "-format_whitelist", strings.Join(demuxers, ",")}
}

// refusedFormat is the error for a file whose container the whitelist refused: a still image
// is ErrNotVideo, anything else (a playlist, a list of other files) ErrInvalidMedia. The
// reason names the kind of file, never its contents.
func refusedFormat(path, tool, demuxer string) *Error {
	if stillImageFormat(demuxer) {
		return &Error{Path: path, Tool: tool, Problem: fmt.Sprintf("a still image (%s), not a video", demuxer), Kind: ErrNotVideo}
	}
	return &Error{Path: path, Tool: tool, Kind: ErrInvalidMedia,
		Problem: fmt.Sprintf("a %s file, not a video container mediafleet reads (mp4/mov, mkv, avi); files that refer to other files are never followed", demuxer)}
}
