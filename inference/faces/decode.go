package faces

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // first frame of a GIF
	_ "image/jpeg"
	_ "image/png"
	"io"
	"os"

	_ "golang.org/x/image/webp"

	"github.com/mediafleet/mediafleet/inference/exif"
)

// headLen is how much of a file is read up front to sniff its format and find its EXIF.
const headLen = 128 << 10

// loadFile decodes the image at path into an upright raster, checking the pixel count
// from the header before decoding anything. Bad files return an *ImageError (permanent);
// other I/O errors are returned as they are (worth a retry).
func loadFile(path string, maxPixels int64) (*raster, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, imageError(path, ErrNotFound, nil, "file does not exist")
	}
	if err != nil {
		return nil, fmt.Errorf("opening image %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, imageError(path, ErrUnsupportedFormat, nil, "not a regular file")
	}
	if st.Size() == 0 {
		return nil, imageError(path, ErrCorrupt, nil, "file is empty (0 bytes)")
	}
	head := make([]byte, min(st.Size(), headLen))
	if _, err := io.ReadFull(f, head); err != nil {
		return nil, fmt.Errorf("reading image %s: %w", path, err)
	}
	if name := undecodable(head); name != "" {
		return nil, imageError(path, ErrUnsupportedFormat, nil,
			"%s images are not supported (no decoder); convert it to JPEG, PNG or WebP", name)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(head))
	if err != nil && int64(len(head)) < st.Size() && !errors.Is(err, image.ErrFormat) {
		// A header larger than the first bytes read (rare): read it from the file.
		if _, serr := f.Seek(0, io.SeekStart); serr != nil {
			return nil, fmt.Errorf("reading image %s: %w", path, serr)
		}
		cfg, format, err = image.DecodeConfig(bufio.NewReader(f))
	}
	switch {
	case errors.Is(err, image.ErrFormat):
		return nil, imageError(path, ErrUnsupportedFormat, nil,
			"unrecognised image format (starts with % x); supported: JPEG, PNG, WebP, GIF", head[:min(len(head), 12)])
	case err != nil:
		return nil, imageError(path, ErrCorrupt, err, "cannot read the %s header (%d bytes; truncated or corrupt)", formatName(head), st.Size())
	case cfg.Width <= 0 || cfg.Height <= 0:
		return nil, imageError(path, ErrCorrupt, nil, "%s header declares %dx%d pixels", format, cfg.Width, cfg.Height)
	case int64(cfg.Width)*int64(cfg.Height) > maxPixels:
		return nil, imageError(path, ErrTooLarge, nil, "%dx%d %s is %.1f megapixels, over the limit of %.1f",
			cfg.Width, cfg.Height, format, float64(cfg.Width)*float64(cfg.Height)/1e6, float64(maxPixels)/1e6)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("reading image %s: %w", path, err)
	}
	img, _, err := image.Decode(bufio.NewReaderSize(f, 64<<10))
	if err != nil {
		return nil, imageError(path, ErrCorrupt, err, "cannot decode the %dx%d %s data (%d bytes; truncated or corrupt)",
			cfg.Width, cfg.Height, format, st.Size())
	}
	r := toRaster(img)
	if format == "jpeg" {
		r = orient(r, exif.Orientation(head))
	}
	return r, nil
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

// formatName guesses the format from magic bytes for messages about files that fail early.
func formatName(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8}):
		return "JPEG"
	case bytes.HasPrefix(b, []byte("\x89PNG")):
		return "PNG"
	case bytes.HasPrefix(b, []byte("GIF8")):
		return "GIF"
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return "WebP"
	}
	return "image"
}
