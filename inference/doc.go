// Package inference is the work itself, as plain Go that a queue handler calls: keyframes from
// videos (subpackage keyframes, ffmpeg), faces (subpackage faces, ONNX Runtime through the
// process-wide runtime of subpackage ort), and captions (subpackage captions, vision-language
// model servers over HTTP). This root package turns mediafleet's configuration into the settings
// of each, and names the model version that every result is keyed by. Nothing here knows asynq.
package inference
