package keyframes

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
)

// VideoInfo describes a video's first video stream (cover art and thumbnails left out).
type VideoInfo struct {
	// Duration is the container's duration in seconds, 0 when unknown.
	Duration float64
	// FPS is the average frame rate, 0 when unknown.
	FPS float64
	// Width and Height are the size the video is shown at: the stream's coded size, swapped
	// when the file asks players to turn it a quarter (phones' portrait videos), as its
	// frames are written.
	Width, Height int
	// Codec is ffmpeg's name for the video codec: "h264", "hevc", "mpeg4", ...
	Codec string
	// Format is ffmpeg's name for the container: "avi", "mov,mp4,m4a,3gp,3g2,mj2", ...
	Format string
}

// Probe asks ffprobe (the program ffprobe, "ffprobe" when empty) about the video at path,
// without decoding it. A file ffprobe cannot read is ErrInvalidMedia, one without a video
// stream, or a still image, is ErrNotVideo (both permanent), with ffprobe's own words; a
// missing ffprobe is ErrConfig; a done ctx is ErrTimeout or the cancellation.
func Probe(ctx context.Context, ffprobe, path string) (VideoInfo, error) {
	if ffprobe == "" {
		ffprobe = "ffprobe"
	}
	if err := checkInput(path); err != nil {
		return VideoInfo{}, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return VideoInfo{}, &Error{Path: path, Problem: "cannot resolve the path", Err: err}
	}
	args := append([]string{"-hide_banner", "-loglevel", "level+error"}, inputOptions()...)
	args = append(args, "-print_format", "json", "-show_format", "-show_streams", "file:"+abs)
	r, err := runTool(ctx, ffprobe, args, newFFLog(stripPrefixes(path, abs)...), true)
	if err != nil {
		return VideoInfo{}, withPath(err, path)
	}
	if r.exitErr != nil {
		return VideoInfo{}, judge(r, "ffprobe", path, "")
	}
	return parseProbe(r.stdout, path)
}

type probeJSON struct {
	Streams []struct {
		CodecType    string `json:"codec_type"`
		CodecName    string `json:"codec_name"`
		Width        int    `json:"width"`
		Height       int    `json:"height"`
		AvgFrameRate string `json:"avg_frame_rate"`
		RFrameRate   string `json:"r_frame_rate"`
		Duration     string `json:"duration"`
		SideData     []struct {
			Rotation float64 `json:"rotation"`
		} `json:"side_data_list"`
		Tags struct {
			Rotate string `json:"rotate"`
		} `json:"tags"`
		Disposition struct {
			AttachedPic     int `json:"attached_pic"`
			TimedThumbnails int `json:"timed_thumbnails"`
		} `json:"disposition"`
	} `json:"streams"`
	Format struct {
		FormatName string `json:"format_name"`
		Duration   string `json:"duration"`
	} `json:"format"`
}

func parseProbe(out []byte, path string) (VideoInfo, error) {
	var p probeJSON
	if err := json.Unmarshal(out, &p); err != nil {
		return VideoInfo{}, &Error{Path: path, Tool: "ffprobe", Problem: "ffprobe's answer is not the JSON expected", Err: err}
	}
	var kinds []string
	for _, s := range p.Streams {
		if s.CodecType != "video" {
			kinds = append(kinds, s.CodecType)
			continue
		}
		if s.Disposition.AttachedPic != 0 || s.Disposition.TimedThumbnails != 0 {
			kinds = append(kinds, "cover picture")
			continue
		}
		v := VideoInfo{
			Duration: parseSeconds(p.Format.Duration),
			FPS:      parseRate(s.AvgFrameRate),
			Width:    s.Width,
			Height:   s.Height,
			Codec:    s.CodecName,
			Format:   p.Format.FormatName,
		}
		if v.Duration == 0 {
			v.Duration = parseSeconds(s.Duration)
		}
		turn := parseSeconds(s.Tags.Rotate)
		for _, sd := range s.SideData {
			if sd.Rotation != 0 {
				turn = sd.Rotation
			}
		}
		if quarterTurn(turn) {
			v.Width, v.Height = v.Height, v.Width
		}
		if v.FPS == 0 {
			v.FPS = parseRate(s.RFrameRate)
		}
		if stillImageFormat(v.Format) {
			return v, &Error{Path: path, Problem: fmt.Sprintf("a still image (%s %s), not a video", v.Format, v.Codec), Kind: ErrNotVideo}
		}
		return v, nil
	}
	what := "no streams at all"
	if len(kinds) > 0 {
		what = "streams: " + strings.Join(kinds, ", ")
	}
	return VideoInfo{Format: p.Format.FormatName}, &Error{Path: path, Tool: "ffprobe", Problem: "no video stream in the file (" + what + ")", Kind: ErrNotVideo}
}

// parseRate reads ffprobe's "num/den" rates; "0/0" and junk are 0.
func parseRate(s string) float64 {
	num, den, ok := strings.Cut(s, "/")
	if !ok {
		return parseSeconds(s)
	}
	n, err1 := strconv.ParseFloat(num, 64)
	d, err2 := strconv.ParseFloat(den, 64)
	if err1 != nil || err2 != nil || d == 0 {
		return 0
	}
	return n / d
}

// parseSeconds reads ffprobe's decimal seconds; "N/A" and junk are 0.
func parseSeconds(s string) float64 {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || v != v {
		return 0
	}
	return v
}

// stripPrefixes are the forms in which ffmpeg names the input at the start of a message.
func stripPrefixes(path, abs string) []string {
	return []string{"file:" + abs + ": ", abs + ": ", path + ": "}
}

// withPath fills in the file of an *Error that runTool made without one.
func withPath(err error, path string) error {
	if e, ok := err.(*Error); ok && e.Path == "" {
		e.Path = path
	}
	return err
}

// quarterTurn reports whether a rotation in degrees (any sign, any number of turns) leaves
// the picture on its side: 90 or 270 degrees.
func quarterTurn(deg float64) bool {
	q := int(math.Round(deg/90)) % 4
	return q == 1 || q == -1 || q == 3 || q == -3
}
