package tasks

import (
	"fmt"
	"strings"
)

// View is what logs and pages show of any mediafleet task, whatever its kind: decoded and
// validated like the worker decodes it, so a forged key or path never reaches a log line, a
// page or a path join unchecked.
type View struct {
	Kind Kind
	// Key and Path are the asset's; empty for a persons pass.
	Key  string
	Path string
	// Frame is the keyframe number (0 for a photo or the video itself).
	Frame int
	// Image is the file a faces or captions task reads.
	Image        string
	ModelVersion string
}

// ViewOf decodes the payload of a task of the given asynq type. A type that is not
// mediafleet's, or a payload that does not decode and validate, is an error (ErrBadPayload
// for the latter).
func ViewOf(taskType string, payload []byte) (View, error) {
	k, ok := KindOfType(taskType)
	if !ok {
		return View{}, fmt.Errorf("%.80q is not a mediafleet task type", taskType)
	}
	v := View{Kind: k}
	switch k {
	case Keyframes:
		var p KeyframesPayload
		if err := Decode(payload, &p); err != nil {
			return View{}, err
		}
		v.Key, v.Path, v.ModelVersion = p.Asset.Key, p.Asset.Path, p.ModelVersion
	case Faces, Captions:
		var f FrameRef
		if err := decodeAs(k, payload, &f); err != nil {
			return View{}, err
		}
		v.Key, v.Path, v.Frame, v.Image, v.ModelVersion = f.Asset.Key, f.Asset.Path, f.Frame, f.Image, f.ModelVersion
	case Persons:
		var p PersonsPayload
		if err := Decode(payload, &p); err != nil {
			return View{}, err
		}
		v.ModelVersion = p.ModelVersion
	}
	return v, nil
}

// decodeAs decodes a frame payload of kind k.
func decodeAs(k Kind, payload []byte, f *FrameRef) error {
	if k == Captions {
		var p CaptionsPayload
		err := Decode(payload, &p)
		*f = p.FrameRef
		return err
	}
	var p FacesPayload
	err := Decode(payload, &p)
	*f = p.FrameRef
	return err
}

// String is one line a person reads: the kind, the asset's path, the keyframe number for a
// frame of a video and the model version, e.g. "faces /media/trip.mp4 frame 3 (model fr-v1)".
func (v View) String() string {
	var b strings.Builder
	b.WriteString(string(v.Kind))
	if v.Path != "" {
		b.WriteString(" " + v.Path)
	}
	if v.Frame > 0 {
		fmt.Fprintf(&b, " frame %d", v.Frame)
	}
	if v.ModelVersion != "" {
		fmt.Fprintf(&b, " (model %s)", v.ModelVersion)
	}
	return b.String()
}
