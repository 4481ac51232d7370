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

// Summarize turns a task's payload into one line a person reads (tasks.View's String), e.g.
// "faces /media/trip.mp4 frame 3 (model fr-v1)". A payload that is not a valid mediafleet
// one is shown as text when it is printable, else by its size.
func Summarize(taskType string, payload []byte) string {
	if v, err := tasks.ViewOf(taskType, payload); err == nil {
		return v.String()
	}
	return rawText(payload)
}

// rawText shows bytes as compact JSON, printable text, or their size.
func rawText(data []byte) string {
	if len(data) == 0 {
		return ""
	}
	if len(data) > maxShown {
		// Anyone who can write to Redis can add a task: a page shows the start of a large
		// payload and its size, not all of it.
		return fmt.Sprintf("%s... (%d bytes)", strings.ToValidUTF8(shown(data[:maxShown]), "?"), len(data))
	}
	return shown(data)
}

// maxShown is the most bytes of a payload or result a page shows.
const maxShown = 1024

// shown is data as compact JSON, printable text, or its size.
func shown(data []byte) string {
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
