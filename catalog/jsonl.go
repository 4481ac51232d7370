package catalog

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/rs/zerolog"
)

// MaxJSONLLine is the longest jsonl line a JSONLSource reads; a longer one is skipped as a
// bad line without being held in memory.
const MaxJSONLLine = 16 << 20

// JSONLSource streams a JSON-lines catalog: one object per line with "path" (required),
// "mime", "sha256" (or "hash_sha256") and "id" (a string or a number). Blank lines are
// ignored; a line that is not such an object is skipped and counted, with its number logged.
type JSONLSource struct {
	file    string
	pm      PathMap
	log     zerolog.Logger
	maxLine int
}

var _ Source = (*JSONLSource)(nil)

// NewJSONLSource checks that file is a readable regular file and returns a source for it.
func NewJSONLSource(file string, pm PathMap, log zerolog.Logger) (*JSONLSource, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, newError(ErrBadCatalog, err, "jsonl:%s: cannot make the path absolute", file)
	}
	if err := checkFile("jsonl", file, abs); err != nil {
		return nil, err
	}
	return &JSONLSource{file: abs, pm: pm, log: log, maxLine: MaxJSONLLine}, nil
}

// checkFile says clearly why a catalog file cannot be read.
func checkFile(scheme, given, abs string) error {
	fi, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return newError(ErrBadCatalog, nil, "%s:%s: no such file", scheme, given)
	case err != nil:
		return newError(ErrBadCatalog, err, "%s:%s: cannot read the file", scheme, given)
	case fi.IsDir():
		return newError(ErrBadCatalog, nil, "%s:%s is a directory: use dir:%s to walk a directory tree", scheme, given, given)
	}
	f, err := os.Open(abs)
	if err != nil {
		return newError(ErrBadCatalog, err, "%s:%s: cannot open the file", scheme, given)
	}
	return f.Close()
}

// Name is "jsonl:" and the absolute file name.
func (s *JSONLSource) Name() string { return "jsonl:" + s.file }

// jsonlLine is one line of the catalog. An absent field and an empty one mean the same.
type jsonlLine struct {
	Path       string          `json:"path"`
	Mime       string          `json:"mime"`
	SHA256     string          `json:"sha256"`
	HashSHA256 string          `json:"hash_sha256"`
	ID         json.RawMessage `json:"id"`
}

// Scan reads the file line by line and yields each photo and video.
func (s *JSONLSource) Scan(ctx context.Context, yield func(Asset) error) (ScanStats, error) {
	t := newTally(s.log.With().Str("source", s.Name()).Logger(), yield)
	f, err := os.Open(s.file)
	if err != nil {
		return t.stats, newError(ErrBadCatalog, err, "%s: cannot open the file", s.Name())
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 64<<10)
	var buf []byte
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			return t.stats, err
		}
		line, tooLong, rerr := readLine(r, buf[:0], s.maxLine)
		buf = line
		if cap(buf) > 1<<20 { // do not keep a huge line's buffer for the rest of the file
			buf = nil
		}
		if rerr != nil && rerr != io.EOF {
			return t.stats, fmt.Errorf("%s: read line %d: %w", s.Name(), n, rerr)
		}
		if n == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
		}
		where := "line " + strconv.Itoa(n)
		switch {
		case tooLong:
			t.skip(SkipBadLine, where, fmt.Sprintf("the line is longer than %d bytes", s.maxLine))
		case len(bytes.TrimSpace(line)) == 0:
		default:
			rec, msg := parseJSONLLine(line)
			if msg != "" {
				t.skip(SkipBadLine, where, msg)
				break
			}
			a, reason, detail := resolve(s.pm, rec)
			if reason != "" {
				t.skip(reason, where, detail)
				break
			}
			if err := t.emit(a); err != nil {
				return t.stats, err
			}
		}
		if rerr == io.EOF {
			return t.stats, nil
		}
	}
}

// readLine reads one line (without its newline) into buf. A line longer than max is read to
// its end but not kept: tooLong is then true. err is io.EOF at the end of the file, with
// the last line in line when the file does not end with a newline.
func readLine(r *bufio.Reader, buf []byte, max int) (line []byte, tooLong bool, err error) {
	for {
		frag, err := r.ReadSlice('\n')
		if !tooLong {
			n := len(frag)
			if n > 0 && frag[n-1] == '\n' {
				n--
			}
			if len(buf)+n > max {
				tooLong, buf = true, buf[:0]
			} else {
				buf = append(buf, frag...)
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if len(buf) > 0 && buf[len(buf)-1] == '\n' {
			buf = buf[:len(buf)-1]
		}
		return buf, tooLong, err
	}
}

// parseJSONLLine checks one line; msg says what is wrong with it.
func parseJSONLLine(line []byte) (rec record, msg string) {
	var l jsonlLine
	if err := json.Unmarshal(line, &l); err != nil {
		return record{}, "not a JSON asset object: " + err.Error()
	}
	if l.Path == "" {
		return record{}, `no "path"`
	}
	sha := l.SHA256
	switch {
	case sha == "":
		sha = l.HashSHA256
	case l.HashSHA256 != "" && !strings.EqualFold(l.HashSHA256, sha):
		return record{}, `"sha256" and "hash_sha256" differ`
	}
	var ok bool
	if rec.sha, ok = normSHA256(sha); !ok {
		return record{}, fmt.Sprintf("sha256 %q is not 64 hex digits", sha)
	}
	rec.path, rec.mime = l.Path, l.Mime
	if len(l.ID) > 0 && string(l.ID) != "null" {
		var id string
		if err := json.Unmarshal(l.ID, &id); err == nil {
			rec.id = id
		} else if _, err := strconv.ParseInt(string(l.ID), 10, 64); err == nil {
			rec.id = string(l.ID)
		} else {
			return record{}, fmt.Sprintf(`"id" %s is neither a string nor an integer`, l.ID)
		}
	}
	return rec, ""
}
