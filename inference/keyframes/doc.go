// Package keyframes picks representative still frames out of a video with ffmpeg and writes
// them as JPEG files, for the faces and captions work that follows.
//
// The common path is one ffmpeg process that decodes keyframes only
// (-skip_frame nokey), keeps those at least MinSpacing apart, and reports each kept frame's
// timestamp and size through the showinfo filter on its log. The video's duration, size,
// frame rate and codec come from the same log, so a video costs one process start; Probe
// (ffprobe) is there for callers that want exact figures without decoding, and is used by
// Extract only when ffmpeg's log cannot be read.
//
// Videos whose keyframes are too sparse (see Extractor.FallbackInterval) get a second pass
// that decodes every frame and keeps one at least every FallbackInterval, so a long static
// video still yields frames. More frames than MaxFrames are thinned evenly.
//
// Errors say which file and what ffmpeg or ffprobe said. IsPermanent tells bad input
// (corrupt, empty, not a video: retrying cannot help) from time-outs, cancellations and
// local trouble (a retry may succeed); ErrConfig marks a missing ffmpeg or bad settings,
// which Extractor.Check finds at start.
package keyframes
