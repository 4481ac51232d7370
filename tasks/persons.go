package tasks

import (
	"errors"
	"fmt"
	"time"
)

// PersonsPayload asks a worker to run one clustering pass over the stored faces of one face
// model version: new faces join persons or wait for similar ones, close persons merge.
type PersonsPayload struct {
	// ModelVersion is the face model version whose embeddings are grouped.
	ModelVersion string `json:"model_version"`
	// Due is when the pass was planned to run (Unix seconds): the end of the window of faces
	// tasks that planned it. It keeps TaskIDs of different windows apart.
	Due int64 `json:"due"`
}

// Kind is Persons.
func (p *PersonsPayload) Kind() Kind { return Persons }

// AssetPath is empty: a pass is about every face, not one file.
func (p *PersonsPayload) AssetPath() string { return "" }

// TaskID is "persons:<model version>:<due>": one pass per model version and window, so the
// many faces tasks finishing in one window plan a single pass.
func (p *PersonsPayload) TaskID() string {
	return fmt.Sprintf("%s:%s:%d", Persons, p.ModelVersion, p.Due)
}

// Validate checks the model version and the due time.
func (p *PersonsPayload) Validate() error {
	if p.Due <= 0 {
		return errors.New("due is not a Unix time")
	}
	return validateModelVersion(p.ModelVersion)
}

// PersonsWindow is the pass that faces finishing at now plan: due at the end of now's window
// of length w plus half a window, so every faces task of the window has stored its faces
// (clocks of the machines may differ by less than that) before the pass reads them.
func PersonsWindow(modelVersion string, now time.Time, w time.Duration) (*PersonsPayload, time.Time) {
	if w < time.Second {
		w = time.Second
	}
	end := now.Truncate(w).Add(w)
	return &PersonsPayload{ModelVersion: modelVersion, Due: end.Unix()}, end.Add(w / 2)
}
