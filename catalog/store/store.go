package store

import (
	"context"
	"time"
)

// Store is where workers write results and where the enqueuer asks what is already done.
type Store interface {
	// UpsertAsset records (or refreshes) one asset.
	UpsertAsset(ctx context.Context, a Asset) error
	// PutKeyframes replaces the keyframes of one video for one model version, and records the
	// video's duration, fps and size. The asset row is upserted too.
	PutKeyframes(ctx context.Context, r KeyframesResult) error
	// PutFaces replaces the faces found in one (asset, frame, model version). Zero faces is a
	// result too: the frame is then known to hold none and is not planned again. The asset
	// must be recorded first (UpsertAsset, or PutKeyframes for a video), else ErrUnknownAsset.
	PutFaces(ctx context.Context, r FacesResult) error
	// PutCaption replaces the caption of one (asset, frame, model version). The asset must be
	// recorded first, else ErrUnknownAsset.
	PutCaption(ctx context.Context, r CaptionResult) error
	// Done reports which of the given asset keys already have a result of kind ("keyframes",
	// "faces" or "captions") for the model version, at frame 0 for faces and captions. Keys
	// without one are absent from the map; another kind is ErrUnknownKind.
	Done(ctx context.Context, kind string, modelVersion string, assetKeys []string) (map[string]bool, error)
	// Show returns everything the store holds for the asset at path; ErrNotFound if none.
	Show(ctx context.Context, path string) (*AssetView, error)
	// EachFace calls fn for every stored face with an embedding of the model version (all
	// versions when empty), for brute-force similarity search.
	EachFace(ctx context.Context, modelVersion string, fn func(FaceRow) error) error
	// FrameJPEG returns the image of keyframe frame of the asset under key, as the keyframes
	// task stored it (the newest keyframes model version); ErrNotFound when there is none.
	FrameJPEG(ctx context.Context, key string, frame int) ([]byte, error)
	// ShowKey is Show for the asset recorded under a key.
	ShowKey(ctx context.Context, key string) (*AssetView, error)
	// FacesStamp changes whenever the stored faces of the model version change (a faces
	// result put, replaced or removed), so a copy of them kept in memory knows when to read
	// them again.
	FacesStamp(ctx context.Context, modelVersion string) (string, error)
	// Recent lists the assets with results (keyframes, faces or captions), the most recently
	// stored first, at most limit of them; with match, only those whose path holds it
	// (ignoring case).
	Recent(ctx context.Context, match string, limit int) ([]RecentAsset, error)
	PersonStore
	// Close releases the store's connections.
	Close() error
}

// Asset is one file of the library as the store records it.
type Asset struct {
	Key     string    `json:"asset_key"`
	Path    string    `json:"path"`
	SHA256  string    `json:"sha256,omitempty"`
	Mime    string    `json:"mime,omitempty"`
	Media   string    `json:"media,omitempty"` // "image" or "video"
	Size    int64     `json:"size,omitempty"`
	ModTime time.Time `json:"mtime,omitempty"`
}

// VideoInfo is what ffprobe said of a video.
type VideoInfo struct {
	DurationSec float64 `json:"duration_sec"`
	FPS         float64 `json:"fps"`
	Width       int     `json:"width"`
	Height      int     `json:"height"`
}

// Keyframe is one extracted frame of a video.
type Keyframe struct {
	Index     int     `json:"index"` // 1-based
	Timestamp float64 `json:"timestamp_sec"`
	Path      string  `json:"path"`
	Width     int     `json:"width"`
	Height    int     `json:"height"`
	// JPEG is the frame's image, stored with it so any worker can read it (FrameJPEG); Show
	// leaves it empty.
	JPEG []byte `json:"-"`
}

// KeyframesResult is the outcome of one keyframes task.
type KeyframesResult struct {
	Asset        Asset
	ModelVersion string
	Video        VideoInfo
	Frames       []Keyframe
}

// Face is one detected face.
type Face struct {
	Index     int           `json:"index"`
	BBox      [4]float32    `json:"bbox"` // x1, y1, x2, y2 in image pixels
	Score     float32       `json:"score"`
	Landmarks [5][2]float32 `json:"landmarks"`
	Embedding []float32     `json:"-"`
	Dim       int           `json:"dim"`
	CropPath  string        `json:"crop_path,omitempty"`
}

// FacesResult is the outcome of one faces task.
type FacesResult struct {
	AssetKey     string
	Frame        int
	ModelVersion string
	Image        string // the file that was analysed
	Width        int
	Height       int
	Faces        []Face
}

// CaptionResult is the outcome of one captions task.
type CaptionResult struct {
	AssetKey     string        `json:"-"`
	Frame        int           `json:"frame"`
	ModelVersion string        `json:"model_version"`
	Text         string        `json:"text"`
	Model        string        `json:"model"`
	Prompt       string        `json:"prompt"`
	Backend      string        `json:"backend"`
	Latency      time.Duration `json:"latency_ns"`
}

// FaceRow is one stored face with the asset it belongs to, for similarity search.
type FaceRow struct {
	AssetKey     string
	Path         string // the original asset's path
	Frame        int
	Index        int
	ModelVersion string
	Score        float32
	BBox         [4]float32
	Embedding    []float32
}

// FaceView is one stored face as Show reports it.
type FaceView struct {
	Face
	Frame        int    `json:"frame"`
	ModelVersion string `json:"model_version"`
	Image        string `json:"image"`
}

// FaceScan says that one (frame, model version) was searched for faces, and how many it held.
type FaceScan struct {
	Frame        int    `json:"frame"`
	ModelVersion string `json:"model_version"`
	Image        string `json:"image"`
	// Width and Height are the upright image's, the pixels its faces' boxes are in.
	Width  int `json:"width"`
	Height int `json:"height"`
	Count  int `json:"count"`
}

// AssetView is everything the store holds for one asset.
type AssetView struct {
	Asset
	Video     *VideoInfo      `json:"video,omitempty"`
	Keyframes []Keyframe      `json:"keyframes"`
	Faces     []FaceView      `json:"faces"`
	FaceScans []FaceScan      `json:"face_scans"`
	Captions  []CaptionResult `json:"captions"`
}
