package tasks

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// AssetRef names the file a task works on, as the worker will read it.
type AssetRef struct {
	// Key is the stable asset key (see AssetKey).
	Key string `json:"asset_key"`
	// Path is the local path of the original file, after path mapping.
	Path string `json:"path"`
	// SHA256 is the content hash from the catalog, when it has one.
	SHA256 string `json:"sha256,omitempty"`
	// Size and MTime (Unix seconds) are what the enqueuer saw, when it could see the file.
	Size  int64 `json:"size,omitempty"`
	MTime int64 `json:"mtime,omitempty"`
	// Mime is the media type from the catalog or the file extension.
	Mime string `json:"mime,omitempty"`
}

// Validate checks the fields every task needs: a key of the scheme AssetKey makes and a path
// CheckPath accepts.
func (a AssetRef) Validate() error {
	if err := CheckKey(a.Key); err != nil {
		return err
	}
	return CheckPath("path", a.Path)
}

// AssetKey is the cheap, stable key of a file: "h" and 20 hex digits of its content hash when
// the catalog has one, else "p" and 20 hex digits of a hash of its path, size and mtime.
func AssetKey(sha string, path string, size, mtime int64) string {
	sha = strings.ToLower(strings.TrimSpace(sha))
	if len(sha) >= 20 && isHex(sha) {
		return "h" + sha[:20]
	}
	h := sha256.New()
	h.Write([]byte(path))
	h.Write([]byte{0})
	h.Write([]byte(strconv.FormatInt(size, 10)))
	h.Write([]byte{0})
	h.Write([]byte(strconv.FormatInt(mtime, 10)))
	return "p" + hex.EncodeToString(h.Sum(nil))[:20]
}

func isHex(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// TaskID is the stable id of one unit of work: "<kind>:<asset key>[:<frame>]:<model version>".
// Frame 0 stands for the file itself and is left out; keyframes of a video count from 1.
func TaskID(k Kind, assetKey string, frame int, modelVersion string) string {
	if frame > 0 {
		return fmt.Sprintf("%s:%s:%d:%s", k, assetKey, frame, modelVersion)
	}
	return fmt.Sprintf("%s:%s:%s", k, assetKey, modelVersion)
}
