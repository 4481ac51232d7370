package faces

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // first frame of a GIF
	"image/jpeg"
	"io"
	"os"
	"strings"

	_ "golang.org/x/image/webp"

	"github.com/mediafleet/mediafleet/inference/exif"

	"github.com/mediafleet/mediafleet/inference/mediafile"
)

// headLen is how much of a file is read up front to sniff its format and read its header.
const headLen = 64 << 10

// source is an image file whose header has been read and checked: its format, stored size
// and orientation are known, and nothing is decoded yet.
type source struct {
	path   string
	f      *os.File
	size   int64
	format string // "jpeg", "png", "webp" or "gif"
	w, h   int    // as stored, before EXIF orientation
	orient int    // EXIF orientation, 1-8
	jpg    jpegInfo
	png    pngInfo
	data   []byte // the whole JPEG, once read
}

// openSource opens path and reads its header, refusing what cannot be decoded before any
// pixel is: a missing, empty or non-regular file, a format without a decoder, an animated
// WebP, a header that does not parse, more than maxPixels pixels. Bad files return an
// *ImageError (permanent) that says what kind of file it is, never what it contains; other
// I/O errors are returned as they are (worth a retry). The caller closes the source.
func openSource(path string, maxPixels int64) (*source, error) {
	f, _, err := mediafile.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, imageError(path, ErrNotFound, nil, "file does not exist")
	}
	if errors.Is(err, mediafile.ErrNotRegular) {
		return nil, imageError(path, ErrUnsupportedFormat, nil, "%s", strings.TrimPrefix(err.Error(), path+" "))
	}
	if err != nil {
		return nil, fmt.Errorf("opening image %s: %w", path, err)
	}
	s := &source{path: path, f: f, orient: 1}
	if err := s.readHeader(maxPixels); err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

func (s *source) close() { s.f.Close() }

func (s *source) readHeader(maxPixels int64) error {
	st, err := s.f.Stat()
	if err != nil {
		return fmt.Errorf("image %s: %w", s.path, err)
	}
	if !st.Mode().IsRegular() {
		return imageError(s.path, ErrUnsupportedFormat, nil, "not a regular file")
	}
	s.size = st.Size()
	if s.size == 0 {
		return imageError(s.path, ErrCorrupt, nil, "file is empty (0 bytes)")
	}
	head := make([]byte, min(s.size, headLen))
	if _, err := io.ReadFull(s.f, head); err != nil {
		return fmt.Errorf("reading image %s: %w", s.path, err)
	}
	if name := undecodable(head); name != "" {
		return imageError(s.path, ErrUnsupportedFormat, nil,
			"%s images are not supported (no decoder); convert it to JPEG, PNG or WebP", name)
	}
	s.format = sniff(head)
	switch s.format {
	case "":
		return imageError(s.path, ErrUnsupportedFormat, nil,
			"not an image this worker can read (%s); supported: JPEG, PNG, WebP, GIF", describe(head))
	case "jpeg":
		s.jpg, err = jpegScan(s.f, s.size)
		s.w, s.h = s.jpg.w, s.jpg.h
		if err == nil {
			s.orient = exif.OrientationAt(s.f, s.size)
		}
	case "png":
		s.png, err = pngHeaderInfo(head)
		s.w, s.h = s.png.w, s.png.h
	case "webp":
		if animatedWebP(head) {
			return imageError(s.path, ErrUnsupportedFormat, nil,
				"animated WebP is not supported (it holds a sequence of frames, not one photo); save a frame as JPEG, PNG or WebP")
		}
		fallthrough
	default:
		var cfg image.Config
		if cfg, _, err = image.DecodeConfig(bytes.NewReader(head)); err != nil && int64(len(head)) < s.size {
			cfg, _, err = image.DecodeConfig(bufio.NewReader(io.NewSectionReader(s.f, 0, s.size)))
		}
		s.w, s.h = cfg.Width, cfg.Height
	}
	switch {
	case err != nil:
		return imageError(s.path, ErrCorrupt, err, "cannot read the %s header (%d bytes; truncated or corrupt)", formatName(s.format), s.size)
	case s.w <= 0 || s.h <= 0:
		return imageError(s.path, ErrCorrupt, nil, "%s header declares %dx%d pixels", s.format, s.w, s.h)
	case int64(s.w)*int64(s.h) > maxPixels:
		return imageError(s.path, ErrTooLarge, nil, "%dx%d %s is %.1f megapixels, over the limit of %.1f (faces.max_pixels)",
			s.w, s.h, s.format, float64(s.w)*float64(s.h)/1e6, float64(maxPixels)/1e6)
	}
	return nil
}

// upright is the image's size once turned as its EXIF orientation says.
func (s *source) upright() (int, int) { return exif.Upright(s.orient, s.w, s.h) }

// corrupt is the error for pixel data that does not decode.
func (s *source) corrupt(err error) error {
	return imageError(s.path, ErrCorrupt, err, "cannot decode the %dx%d %s data (%d bytes; truncated or corrupt)",
		s.w, s.h, s.format, s.size)
}

// readAll reads the whole file (JPEG is decoded from memory).
func (s *source) readAll() ([]byte, error) {
	b := make([]byte, s.size)
	if _, err := s.f.ReadAt(b, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("reading image %s: %w", s.path, err)
	}
	return b, nil
}

// goDecodeBytes is what decoding the whole image with Go's own decoders holds at its peak
// (the decoded image in its native layout, plus the raster a row at a time).
func (s *source) goDecodeBytes() int64 {
	px := int64(s.w) * int64(s.h)
	switch s.format {
	case "gif":
		return px + 256<<10
	case "png": // interlaced: the whole image, up to 8 bytes a pixel at 16 bits with alpha
		return px*int64(max(1, s.png.channels()*s.png.depth/8)) + px/8 + 1<<20
	case "jpeg": // CMYK
		return 4*px + 1<<20
	}
	return 4*px + 1<<20 // WebP: YCbCr plus alpha, or NRGBA when lossless
}

// goDecode decodes the whole image with Go's decoders and feeds its rows to sink.
func (s *source) goDecode(sink rowSink) error {
	r := bufio.NewReaderSize(io.NewSectionReader(s.f, 0, s.size), 64<<10)
	var img image.Image
	var err error
	if s.format == "jpeg" {
		img, err = jpeg.Decode(r)
	} else {
		img, _, err = image.Decode(r)
	}
	if err != nil {
		return s.corrupt(err)
	}
	emitRows(img, sink)
	return nil
}

// sniff names the decodable format from its magic bytes, or "".
func sniff(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return "jpeg"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return "gif"
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return "webp"
	}
	return ""
}

// animatedWebP reports a WebP whose VP8X header sets the animation flag.
func animatedWebP(b []byte) bool {
	return len(b) >= 21 && string(b[12:16]) == "VP8X" && b[20]&0x02 != 0
}

// undecodable names well-known image formats that have no decoder here, from their magic bytes.
func undecodable(b []byte) string {
	if len(b) >= 12 && string(b[4:8]) == "ftyp" {
		switch string(b[8:12]) {
		case "heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1":
			return "HEIC/HEIF"
		case "avif", "avis":
			return "AVIF"
		}
	}
	switch {
	case bytes.HasPrefix(b, []byte("II*\x00")), bytes.HasPrefix(b, []byte("MM\x00*")):
		return "TIFF"
	case bytes.HasPrefix(b, []byte("BM")) && len(b) > 14:
		return "BMP"
	case bytes.HasPrefix(b, []byte{0xFF, 0x0A}), bytes.HasPrefix(b, []byte("\x00\x00\x00\x0cJXL ")):
		return "JPEG XL"
	}
	return ""
}

// formatName is the format as people write it.
func formatName(format string) string {
	switch format {
	case "jpeg":
		return "JPEG"
	case "png":
		return "PNG"
	case "gif":
		return "GIF"
	case "webp":
		return "WebP"
	}
	return "image"
}
