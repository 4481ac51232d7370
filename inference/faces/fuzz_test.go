package faces

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzImageHeader runs the header checks every photo goes through before a pixel is decoded
// (format sniffing, the JPEG segment scan with EXIF orientation, the PNG header, other
// formats' headers, the pixel limit) on arbitrary files: nothing panics, a refusal is one of
// the permanent kinds or an I/O error, an accepted header is sane, and no reason quotes the
// file's contents.
func FuzzImageHeader(f *testing.F) {
	img := image.NewRGBA(image.Rect(0, 0, 8, 6))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		f.Fatal(err)
	}
	f.Add(append([]byte(nil), b.Bytes()...))
	b.Reset()
	if err := png.Encode(&b, img); err != nil {
		f.Fatal(err)
	}
	f.Add(append([]byte(nil), b.Bytes()...))
	b.Reset()
	pal := image.NewPaletted(image.Rect(0, 0, 4, 4), []color.Color{color.Black, color.White})
	if err := gif.Encode(&b, pal, nil); err != nil {
		f.Fatal(err)
	}
	f.Add(append([]byte(nil), b.Bytes()...))
	f.Add([]byte("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"))
	f.Add(append([]byte("\x00\x00\x00\x18ftypheic"), make([]byte, 40)...))
	f.Add([]byte("RIFF\x30\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x02\x00\x00\x00\x07\x00\x00\x07\x00\x00ANIM"))
	f.Add([]byte("\xff\xd8\xff\xe1\x00\x10Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\xff\xd9"))
	const maxPixels = 50_000_000
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "photo.jpg")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := openSource(path, maxPixels)
		if err != nil {
			var ie *ImageError
			if !errors.As(err, &ie) && !strings.Contains(err.Error(), "reading image") {
				t.Fatalf("a refusal of another kind: %v", err)
			}
			if ie != nil && !errors.Is(err, ErrPermanent) && !errors.Is(err, ErrNotFound) {
				t.Fatalf("a refusal that is neither permanent nor not-found: %v", err)
			}
			msg := strings.ReplaceAll(err.Error(), path, "")
			for i := 0; i+12 <= len(data) && i < 4096; i++ {
				w := string(data[i : i+12])
				if printable(w) && strings.Contains(msg, w) {
					t.Fatalf("the reason quotes the file: %q in %q", w, msg)
				}
			}
			return
		}
		defer s.close()
		switch {
		case s.format != "jpeg" && s.format != "png" && s.format != "webp" && s.format != "gif":
			t.Fatalf("accepted format %q", s.format)
		case s.w <= 0 || s.h <= 0 || int64(s.w)*int64(s.h) > maxPixels:
			t.Fatalf("accepted %dx%d", s.w, s.h)
		case s.orient < 1 || s.orient > 8:
			t.Fatalf("orientation %d", s.orient)
		}
	})
}

func printable(s string) bool {
	for _, c := range []byte(s) {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return strings.TrimSpace(s) != "" && strings.ContainsFunc(s, func(r rune) bool { return r >= 'a' && r <= 'z' })
}
