package tasks

// CaptionsPayload asks a worker to caption one photo or keyframe with a vision-language model.
type CaptionsPayload struct {
	FrameRef
}

// Kind is Captions.
func (p *CaptionsPayload) Kind() Kind { return Captions }

// TaskID is "captions:<asset key>[:<frame>]:<model version>".
func (p *CaptionsPayload) TaskID() string {
	return TaskID(Captions, p.Asset.Key, p.Frame, p.ModelVersion)
}
