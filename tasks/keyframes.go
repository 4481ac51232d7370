package tasks

// KeyframesPayload asks a worker to extract the keyframes of one video.
type KeyframesPayload struct {
	Asset AssetRef `json:"asset"`
	// ModelVersion names the extraction settings; results are keyed by it.
	ModelVersion string `json:"model_version"`
}

// Kind is Keyframes.
func (p *KeyframesPayload) Kind() Kind { return Keyframes }

// AssetPath is the video's path.
func (p *KeyframesPayload) AssetPath() string { return p.Asset.Path }

// TaskID is "keyframes:<asset key>:<model version>".
func (p *KeyframesPayload) TaskID() string { return TaskID(Keyframes, p.Asset.Key, 0, p.ModelVersion) }

// Validate checks the asset and model version.
func (p *KeyframesPayload) Validate() error {
	if err := p.Asset.Validate(); err != nil {
		return err
	}
	return validateModelVersion(p.ModelVersion)
}
