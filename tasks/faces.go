package tasks

// FacesPayload asks a worker to find the faces in one photo or keyframe and embed each.
type FacesPayload struct {
	FrameRef
}

// Kind is Faces.
func (p *FacesPayload) Kind() Kind { return Faces }

// TaskID is "faces:<asset key>[:<frame>]:<model version>".
func (p *FacesPayload) TaskID() string { return TaskID(Faces, p.Asset.Key, p.Frame, p.ModelVersion) }
