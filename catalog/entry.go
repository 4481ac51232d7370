package catalog

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/rs/zerolog"

	"github.com/mediafleet/mediafleet/tasks"
)

// Reasons a Source passes over an entry: the keys of ScanStats.Skipped.
const (
	SkipHidden        = "hidden"                               // a dot-named file or directory
	SkipNotMedia      = "not a photo or video"                 // neither mime nor extension says photo or video
	SkipMime          = "unsupported mime"                     // a mime that is neither image/* nor video/*
	SkipSymlinkLoop   = "symlink loop"                         // a symlink to a directory that holds it
	SkipRepeatDir     = "directory already walked"             // a second way into a directory already walked
	SkipBrokenLink    = "broken symlink"                       // a symlink whose target is gone
	SkipUnreadable    = "unreadable"                           // a directory or file that could not be read or stat'ed
	SkipNotFile       = "not a regular file"                   // a device, socket, pipe, or a directory where a file was named
	SkipBadLine       = "bad line"                             // a jsonl line that is not a valid asset object
	SkipBadHash       = "bad sha256"                           // a content hash that is not 64 hex digits
	SkipNoPath        = "no path"                              // a catalog row without a path
	SkipInactive      = "status not active"                    // a vlmPhotoHouse asset whose status is not 'active' (suppressed)
	SkipMissingNoHash = "missing file, no sha256"              // the file is not here and the catalog has no hash to key it by
	SkipUnmapped      = "windows path without a path map rule" // add a MEDIAFLEET_PATH_MAP rule for its drive or share
	SkipRelative      = "relative path"                        // a path that is not absolute after mapping
	SkipBadName       = "name not valid UTF-8"                 // a path whose bytes are not UTF-8: it cannot cross a JSON payload unchanged
	SkipLongPath      = "path too long"                        // a path longer than tasks.MaxPathLen bytes
)

// nameProblem says why a path cannot go into a task, as a skip reason and a sentence, or ""
// when it can. A name that is not UTF-8 (a Latin-1 name from an old camera or share) would
// reach the worker changed, as U+FFFD, and never be found there.
func nameProblem(path string) (string, string) {
	switch {
	case len(path) > tasks.MaxPathLen:
		return SkipLongPath, fmt.Sprintf("a path of %d bytes, more than the %d a task may name", len(path), tasks.MaxPathLen)
	case !utf8.ValidString(path) || strings.ContainsRune(path, utf8.RuneError):
		return SkipBadName, fmt.Sprintf("%q: the name is not valid UTF-8; rename it (for example with convmv) to include it", path)
	}
	return "", ""
}

// quietReasons are expected in every library and logged at debug level only.
var quietReasons = map[string]bool{SkipHidden: true, SkipNotMedia: true, SkipInactive: true, SkipRepeatDir: true}

// maxLoggedPerReason bounds the log lines one scan writes for one skip reason.
const maxLoggedPerReason = 20

// tally counts what a scan sees, so that Seen is always the assets yielded plus the entries
// skipped, and logs skipped entries without flooding the log.
type tally struct {
	stats  ScanStats
	log    zerolog.Logger
	logged map[string]int
	yield  func(Asset) error
}

func newTally(log zerolog.Logger, yield func(Asset) error) *tally {
	return &tally{stats: ScanStats{Skipped: map[string]int{}}, log: log, logged: map[string]int{}, yield: yield}
}

// emit passes one asset on.
func (t *tally) emit(a Asset) error {
	t.stats.Seen++
	return t.yield(a)
}

// skip counts one entry passed over; where names it (a path, "line 12", "id 7").
func (t *tally) skip(reason, where, detail string) {
	t.stats.Seen++
	t.stats.Skip(reason)
	n := t.logged[reason]
	t.logged[reason] = n + 1
	ev := t.log.Warn()
	if quietReasons[reason] {
		ev = t.log.Debug()
	}
	switch {
	case n < maxLoggedPerReason:
		if detail == "" {
			detail = reason
		}
		ev.Str("reason", reason).Str("at", where).Msg("catalog entry skipped: " + detail)
	case n == maxLoggedPerReason:
		ev.Str("reason", reason).Msgf("catalog entry skipped: more than %d for this reason, not logging each", n)
	}
}

// extMimes are the mime types of the extensions MediaOf knows.
var extMimes = map[string]string{
	".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".heic": "image/heic",
	".webp": "image/webp", ".gif": "image/gif",
	".mp4": "video/mp4", ".mov": "video/quicktime", ".mkv": "video/x-matroska",
	".avi": "video/x-msvideo", ".m4v": "video/x-m4v",
}

// mimeByExt is the mime type of a photo or video file from its extension, "" if unknown.
func mimeByExt(path string) string {
	return extMimes[strings.ToLower(filepath.Ext(path))]
}

// normSHA256 lower-cases a content hash and checks it is 64 hex digits; "" stays "".
func normSHA256(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", true
	}
	if len(s) != 64 {
		return "", false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return "", false
		}
	}
	return s, true
}

// record is one entry of a catalog file (a jsonl line, a vlmPhotoHouse row), checked field
// by field but not yet mapped or stat'ed.
type record struct {
	id, path, mime, sha string // sha already normalised
	where               string // "line 12", "id 7": for messages
}

// resolve turns a record into an asset: mime or extension decides the media type, the path
// is mapped, and the mapped file is stat'ed when it can be seen. A file that cannot be seen
// is still an asset when the catalog has its hash (the enqueuer may run where the library is
// not mounted); without a hash it is skipped. It returns the skip reason, or "" and the asset.
func resolve(pm PathMap, r record) (Asset, string, string) {
	if r.path == "" {
		return Asset{}, SkipNoPath, "the catalog has no path for it"
	}
	mime := strings.ToLower(strings.TrimSpace(r.mime))
	if mime != "" && !strings.HasPrefix(mime, "image/") && !strings.HasPrefix(mime, "video/") {
		return Asset{}, SkipMime, "mime " + mime + " of " + r.path
	}
	media, ok := MediaOf(mime, strings.ReplaceAll(r.path, `\`, "/"))
	if !ok {
		return Asset{}, SkipNotMedia, r.path
	}
	mapped, matched := pm.Map(r.path)
	switch {
	case !matched && isWindowsPath(strings.ReplaceAll(r.path, `\`, "/")):
		return Asset{}, SkipUnmapped, r.path + ": add a MEDIAFLEET_PATH_MAP rule such as E:/=/mnt/e/ for its drive or share"
	case !filepath.IsAbs(mapped):
		return Asset{}, SkipRelative, r.path + " is not an absolute path"
	}
	if reason, detail := nameProblem(mapped); reason != "" {
		return Asset{}, reason, detail
	}
	if mime == "" {
		mime = mimeByExt(mapped)
	}
	a := Asset{ID: r.id, Path: mapped, SourcePath: r.path, SHA256: r.sha, Mime: mime, Media: media}
	fi, err := os.Stat(mapped)
	switch {
	case err == nil && fi.Mode().IsRegular():
		a.Size, a.ModTime = fi.Size(), fi.ModTime()
	case err == nil:
		return Asset{}, SkipNotFile, mapped + " is not a regular file"
	case r.sha == "":
		return Asset{}, SkipMissingNoHash, mapped + " cannot be seen here and the catalog has no sha256 for it"
	}
	return a, "", ""
}
