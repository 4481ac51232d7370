package faces

import (
	"bytes"
	"unicode/utf8"
)

// describe says what kind of file b (its first bytes) looks like, for a reason that reaches
// logs and the dashboard: a kind ("a PDF document", "text"), never the bytes themselves,
// which could be anything the file holds (a password file, a private key).
func describe(b []byte) string {
	has := func(off int, magic string) bool {
		return len(b) >= off+len(magic) && string(b[off:off+len(magic)]) == magic
	}
	kinds := []struct {
		off         int
		magic, kind string
	}{
		{0, "%PDF", "a PDF document"},
		{0, "PK\x03\x04", "a ZIP archive or office document"},
		{0, "\x1f\x8b", "a gzip archive"},
		{0, "7z\xbc\xaf\x27\x1c", "a 7-Zip archive"},
		{0, "Rar!", "a RAR archive"},
		{0, "\x7fELF", "a program (ELF executable)"},
		{0, "MZ", "a Windows program"},
		{0, "SQLite format 3\x00", "an SQLite database"},
		{0, "8BPS", "a Photoshop document"},
		{0, "%!PS", "a PostScript document"},
		{0, "\x1a\x45\xdf\xa3", "a Matroska/WebM video"},
		{0, "OggS", "an Ogg audio or video file"},
		{0, "fLaC", "a FLAC audio file"},
		{0, "ID3", "an MP3 audio file"},
		{0, "FUJIFILMCCD-RAW", "a Fujifilm raw photo"},
		{4, "ftyp", "a video or other ISO media file"},
		{8, "AVI ", "an AVI video"},
		{8, "WAVE", "a WAV audio file"},
	}
	for _, k := range kinds {
		if has(k.off, k.magic) {
			return "it looks like " + k.kind
		}
	}
	t := bytes.TrimLeft(b, " \t\r\n\ufeff")
	lower := bytes.ToLower(t[:min(len(t), 64)])
	switch {
	case bytes.HasPrefix(lower, []byte("<svg")), bytes.HasPrefix(lower, []byte("<?xml")) && bytes.Contains(bytes.ToLower(t[:min(len(t), 1024)]), []byte("<svg")):
		return "it looks like an SVG drawing"
	case bytes.HasPrefix(lower, []byte("<!doctype html")), bytes.HasPrefix(lower, []byte("<html")):
		return "it looks like a web page (HTML)"
	case bytes.HasPrefix(lower, []byte("<?xml")):
		return "it looks like an XML document"
	case isText(b):
		return "it looks like text"
	}
	return "its contents match no known image format"
}

// isText reports whether b is valid UTF-8 made of printable characters and whitespace
// (a cut-off last character allowed).
func isText(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	b = b[:min(len(b), 4096)]
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 {
			return len(b) < utf8.UTFMax && !utf8.FullRune(b)
		}
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' && r != '\f' || r == 0x7f {
			return false
		}
		b = b[n:]
	}
	return true
}
