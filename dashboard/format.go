package dashboard

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hibiken/asynqmon"

	"github.com/mediafleet/mediafleet/tasks"
)

// payloadView is the part of every mediafleet payload a person wants to see.
type payloadView struct {
	Asset struct {
		Key  string `json:"asset_key"`
		Path string `json:"path"`
	} `json:"asset"`
	Frame        int    `json:"frame"`
	Image        string `json:"image"`
	ModelVersion string `json:"model_version"`
}

// Summarize turns a task's payload into one line a person reads: its kind, the asset's path,
// the keyframe number for a frame of a video, and the model version, e.g.
// "faces /media/trip.mp4 frame 3 (model fr-v1)". A payload that is not a mediafleet one is
// shown as text when it is printable, else by its size.
func Summarize(taskType string, payload []byte) string {
	kind, ok := tasks.KindOfType(taskType)
	var p payloadView
	if ok && json.Unmarshal(payload, &p) == nil && p.Asset.Path != "" {
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s", kind, p.Asset.Path)
		if p.Frame > 0 {
			fmt.Fprintf(&b, " frame %d", p.Frame)
		}
		if p.ModelVersion != "" {
			fmt.Fprintf(&b, " (model %s)", p.ModelVersion)
		}
		return b.String()
	}
	return rawText(payload)
}

// rawText shows bytes as compact JSON, printable text, or their size.
func rawText(data []byte) string {
	if len(data) == 0 {
		return ""
	}
	var buf bytes.Buffer
	if json.Valid(data) && json.Compact(&buf, data) == nil {
		return buf.String()
	}
	if utf8.Valid(data) && strings.IndexFunc(string(data), func(r rune) bool { return !unicode.IsPrint(r) && !unicode.IsSpace(r) }) < 0 {
		return string(data)
	}
	return fmt.Sprintf("non-printable bytes (%d)", len(data))
}

// PayloadFormatter shows payloads in asynqmon as Summarize does.
var PayloadFormatter = asynqmon.PayloadFormatterFunc(Summarize)

// ResultFormatter shows task results in asynqmon as compact JSON or text.
var ResultFormatter = asynqmon.ResultFormatterFunc(func(_ string, result []byte) string { return rawText(result) })
