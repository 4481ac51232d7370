package tasks

import "fmt"

// FrameRef names one still image to analyse: a photo (Frame 0, Image = the photo itself) or one
// keyframe of a video (Frame >= 1, Image = the keyframe JPEG under the derived root).
type FrameRef struct {
	Asset AssetRef `json:"asset"`
	Frame int      `json:"frame"`
	// Image is the file to read: the photo itself, or the keyframe JPEG.
	Image string `json:"image"`
	// ModelVersion names the model that produces the result; results are keyed by it.
	ModelVersion string `json:"model_version"`
}

// AssetPath is the original file's path.
func (f *FrameRef) AssetPath() string { return f.Asset.Path }

// Validate checks the asset, frame, image path and model version.
func (f *FrameRef) Validate() error {
	if err := f.Asset.Validate(); err != nil {
		return err
	}
	if f.Frame < 0 {
		return fmt.Errorf("frame %d is negative", f.Frame)
	}
	if err := CheckPath("image path", f.Image); err != nil {
		return err
	}
	return validateModelVersion(f.ModelVersion)
}
