package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mediafleet/mediafleet/tasks"
)

// Sources of a face's person assignment.
const (
	// SourceAuto is an assignment the clustering made; a later pass may change it.
	SourceAuto = "auto"
	// SourceManual is an assignment a person made; nothing automatic changes it.
	SourceManual = "manual"
)

// FaceRef names one stored face: the asset, the frame (0 for a photo), the face model version
// and the face's index in that frame.
type FaceRef struct {
	AssetKey     string `json:"asset_key"`
	Frame        int    `json:"frame"`
	ModelVersion string `json:"model_version"`
	Index        int    `json:"index"`
}

// String is "<asset key>:<frame>:<index>", the form the CLI takes (the model version is
// given apart).
func (r FaceRef) String() string { return fmt.Sprintf("%s:%d:%d", r.AssetKey, r.Frame, r.Index) }

// ParseFaceRef reads what FaceRef.String wrote, for the model version given.
func ParseFaceRef(s, modelVersion string) (FaceRef, error) {
	parts := strings.Split(strings.TrimSpace(s), ":")
	if len(parts) != 3 || parts[0] == "" {
		return FaceRef{}, fmt.Errorf("face %q: write it as <asset key>:<frame>:<index>, as `mediafleet persons show` prints it", s)
	}
	if err := tasks.CheckKey(parts[0]); err != nil {
		return FaceRef{}, fmt.Errorf("face %.80q: %w", s, err)
	}
	frame, err1 := strconv.Atoi(parts[1])
	idx, err2 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil || frame < 0 || idx < 0 {
		return FaceRef{}, fmt.Errorf("face %q: frame and index must be whole numbers from 0", s)
	}
	return FaceRef{AssetKey: parts[0], Frame: frame, ModelVersion: modelVersion, Index: idx}, nil
}

// Assignment is where one face belongs: a person (PersonID > 0) or none (0: waiting for
// similar faces when automatic, kept out of every person when manual).
type Assignment struct {
	Face     FaceRef `json:"face"`
	PersonID int64   `json:"person_id,omitempty"`
	Source   string  `json:"source"`
	// Score is the face's cosine similarity to its person's centroid when assigned.
	Score float32 `json:"score"`
}

// FaceEmbedding is one stored face's embedding, with its assignment when it has one.
type FaceEmbedding struct {
	FaceRef
	Embedding []float32
	// Assigned is nil for a face no pass has seen yet.
	Assigned *Assignment
}

// PersonState is what clustering keeps of one person.
type PersonState struct {
	ID           int64
	ModelVersion string
	Name         string
	// Sum is the sum of the L2-normalised embeddings of its faces; its direction is the
	// person's centroid.
	Sum []float32
	// Count is how many faces Sum holds; Manual how many of them a person assigned.
	Count, Manual int
	CreatedAt     time.Time
}

// PersonsTx reads and changes the persons of one face model version inside one transaction,
// which holds every other writer of those persons off until it ends.
type PersonsTx interface {
	// Persons returns every person of the model version.
	Persons(ctx context.Context) ([]PersonState, error)
	// NewFaces returns up to limit faces with an embedding and no assignment yet.
	NewFaces(ctx context.Context, limit int) ([]FaceEmbedding, error)
	// WaitingFaces returns the automatic faces that belong to no person yet.
	WaitingFaces(ctx context.Context) ([]FaceEmbedding, error)
	// FacesOf returns the faces assigned to a person.
	FacesOf(ctx context.Context, personID int64) ([]FaceEmbedding, error)
	// Face returns one face; ErrNotFound when it is not stored.
	Face(ctx context.Context, ref FaceRef) (FaceEmbedding, error)
	// NewPersonID reserves the id of a new person, unique in the whole store.
	NewPersonID(ctx context.Context) (int64, error)
	// SavePerson writes a person (created when new).
	SavePerson(ctx context.Context, p PersonState) error
	// DeletePerson removes a person; faces still assigned to it are left to no person.
	DeletePerson(ctx context.Context, id int64) error
	// MoveFaces assigns every face of one person to another, keeping each face's source.
	MoveFaces(ctx context.Context, from, into int64) error
	// Assign records where faces belong.
	Assign(ctx context.Context, as []Assignment) error
}

// Person is one person as lists show it.
type Person struct {
	ID           int64  `json:"id"`
	ModelVersion string `json:"model_version"`
	Name         string `json:"name"`
	FaceCount    int    `json:"face_count"`
	// Sample is the file of the person's best detected face, and SampleFace that face.
	Sample     string       `json:"sample"`
	SampleFace *FaceRef     `json:"sample_face,omitempty"`
	CreatedAt  time.Time    `json:"created_at"`
	UpdatedAt  time.Time    `json:"updated_at"`
	Centroid   []float32    `json:"-"`
	Faces      []PersonFace `json:"faces,omitempty"`
}

// PersonFace is one face of a person as `persons show` and the people page show it.
type PersonFace struct {
	FaceRef
	Path       string     `json:"path"`  // the asset's file
	Image      string     `json:"image"` // the file analysed: the photo or its keyframe
	BBox       [4]float32 `json:"bbox"`  // x1, y1, x2, y2 in the upright image's pixels
	Score      float32    `json:"score"` // detector confidence
	Source     string     `json:"source"`
	Similarity float32    `json:"similarity"`
	CropPath   string     `json:"crop_path,omitempty"`
}

// PersonStore is the part of the Store that keeps persons.
type PersonStore interface {
	// UpdatePersons runs fn in one transaction over the persons of one face model version,
	// serialised with every other UpdatePersons of that version in any process: two
	// clusterers never see the same unassigned faces at once. fn's error rolls it back.
	UpdatePersons(ctx context.Context, modelVersion string, fn func(ctx context.Context, tx PersonsTx) error) error
	// ListPersons returns the persons of a model version (all versions when empty), most
	// faces first, without their faces.
	ListPersons(ctx context.Context, modelVersion string) ([]Person, error)
	// GetPerson returns one person with its faces, best detected first; ErrNotFound if none.
	GetPerson(ctx context.Context, id int64) (*Person, error)
	// Assignments returns the assignments of the faces of the given assets in a model version.
	Assignments(ctx context.Context, modelVersion string, assetKeys []string) (map[FaceRef]Assignment, error)
}
