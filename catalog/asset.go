package catalog

import (
	"context"
	"path/filepath"
	"strings"
	"time"

	"github.com/mediafleet/mediafleet/tasks"
)

// Media tells photos from videos.
type Media string

// The media types a library holds.
const (
	Image Media = "image"
	Video Media = "video"
)

// Asset is one file of the library as a Source reports it.
type Asset struct {
	// ID is the source's own id of the asset, when it has one (vlmPhotoHouse's assets.id).
	ID string
	// Path is the local path after path mapping; SourcePath is the path as the catalog wrote it.
	Path       string
	SourcePath string
	// SHA256 is the content hash the catalog already has, if any.
	SHA256 string
	Mime   string
	Media  Media
	// Size and ModTime are from stat, when the file could be seen.
	Size    int64
	ModTime time.Time
}

// Key is the asset's stable key (tasks.AssetKey).
func (a Asset) Key() string {
	var mt int64
	if !a.ModTime.IsZero() {
		mt = a.ModTime.Unix()
	}
	return tasks.AssetKey(a.SHA256, a.Path, a.Size, mt)
}

// Ref is the asset as a task payload carries it.
func (a Asset) Ref() tasks.AssetRef {
	var mt int64
	if !a.ModTime.IsZero() {
		mt = a.ModTime.Unix()
	}
	return tasks.AssetRef{Key: a.Key(), Path: a.Path, SHA256: a.SHA256, Size: a.Size, MTime: mt, Mime: a.Mime}
}

// Extensions of the files a library holds, by media type.
var (
	ImageExts = []string{".jpg", ".jpeg", ".png", ".heic", ".webp", ".gif"}
	VideoExts = []string{".mp4", ".mov", ".mkv", ".avi", ".m4v"}
)

// MediaOf tells the media type from a mime type, else from the file extension. ok is false for
// files that are neither photos nor videos.
func MediaOf(mime, path string) (Media, bool) {
	switch {
	case strings.HasPrefix(mime, "image/"):
		return Image, true
	case strings.HasPrefix(mime, "video/"):
		return Video, true
	}
	ext := strings.ToLower(filepath.Ext(path))
	for _, e := range ImageExts {
		if ext == e {
			return Image, true
		}
	}
	for _, e := range VideoExts {
		if ext == e {
			return Video, true
		}
	}
	return "", false
}

// ScanStats counts what a Source saw and what it passed over, by reason.
type ScanStats struct {
	Seen    int            `json:"seen"`
	Skipped map[string]int `json:"skipped"`
}

// Skip counts one skipped entry under a reason.
func (s *ScanStats) Skip(reason string) {
	if s.Skipped == nil {
		s.Skipped = map[string]int{}
	}
	s.Skipped[reason]++
}

// Source streams the assets of a library. Scan calls yield once per asset, in the source's
// order, and stops at the first error yield returns. It holds no more than a bounded amount of
// the catalog in memory, so a catalog of millions of assets streams.
type Source interface {
	// Name says what the source reads, for messages ("dir:/photos").
	Name() string
	Scan(ctx context.Context, yield func(Asset) error) (ScanStats, error)
}
