package catalog

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

// FuzzJSONLSource scans arbitrary jsonl files: nothing panics, every line is either an asset
// or a counted skip, and every asset has an absolute path that a task may name.
func FuzzJSONLSource(f *testing.F) {
	f.Add([]byte(`{"path":"E:/01_INCOMING\\Jane\\x.jpg","sha256":"` + strings.Repeat("a", 64) + `","id":7}` + "\n"))
	f.Add([]byte("\xef\xbb\xbf" + `{"path":"/p/caf` + "\xe9" + `.jpg","sha256":"` + strings.Repeat("b", 64) + `"}` + "\r\n\n   \nnot json\n"))
	f.Add([]byte(`{"path":"/p/../../etc/passwd.jpg","mime":"image/jpeg","hash_sha256":"` + strings.Repeat("c", 64) + `"}`))
	f.Add([]byte(`{"path":42}` + "\n" + `{"path":"F:/y.mp4","mime":"video/mp4","sha256":"` + strings.Repeat("d", 64) + `","id":{"x":1}}`))
	pm, err := ParsePathMap([]string{"E:/=/mnt/e/"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file := filepath.Join(t.TempDir(), "c.jsonl")
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		src, err := NewJSONLSource(file, pm, zerolog.Nop())
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		stats, err := src.Scan(context.Background(), func(a Asset) error {
			n++
			if !filepath.IsAbs(a.Path) {
				t.Fatalf("asset path %q is not absolute", a.Path)
			}
			if reason, detail := nameProblem(a.Path); reason != "" {
				t.Fatalf("asset path a task cannot name: %s", detail)
			}
			if a.Media != "image" && a.Media != "video" {
				t.Fatalf("asset %q has media %q", a.Path, a.Media)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		skipped := 0
		for _, k := range stats.Skipped {
			skipped += k
		}
		if stats.Seen != n+skipped {
			t.Fatalf("seen %d, yielded %d, skipped %d", stats.Seen, n, skipped)
		}
	})
}

// FuzzPathMap maps arbitrary paths through arbitrary rules: nothing panics, a rule that
// matched leaves the path under its TO (".." cannot climb out of it), and the result is clean.
func FuzzPathMap(f *testing.F) {
	f.Add("E:/=/mnt/e/", `E:/01_INCOMING\Jane\x.jpg`)
	f.Add("E:/=/mnt/e/", `E:/../../etc/passwd`)
	f.Add(`\\nas\photos=/srv/photos`, `\\NAS\Photos\2019\a.jpg`)
	f.Add("/photos=/mnt/nas/photos", "/photos/../secret/a.jpg")
	f.Add("C:/Users/Ana=/home/ana", "c:/users/ana/Pictures/ß.jpg")
	f.Fuzz(func(t *testing.T, rule, p string) {
		pm, err := ParsePathMap([]string{rule})
		if err != nil {
			return
		}
		out, matched := pm.Map(p)
		if out != "" && filepath.Clean(out) != out {
			t.Fatalf("Map(%q) = %q is not clean", p, out)
		}
		if matched {
			to := pm.Rules()[0].To
			if out != to && !strings.HasPrefix(out, strings.TrimSuffix(to, "/")+"/") {
				t.Fatalf("rule %q maps %q to %q, outside %q", rule, p, out, to)
			}
		}
	})
}
