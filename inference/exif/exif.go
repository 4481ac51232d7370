// Package exif reads the one EXIF tag mediafleet needs, Orientation, from a JPEG file
// (wherever among the segments before the image data its EXIF segment is), and maps the
// pixels of an upright image back to the stored ones. Cameras and phones store the sensor's
// pixels and say in this tag how to turn them; a model shown the raw pixels would see many
// photos on their side.
package exif

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"io"
)

// Orientation returns the EXIF Orientation (1-8) of the JPEG whose file starts with b, or 1
// when there is none or it cannot be read. It reads as far into b as the EXIF segment is:
// pass the whole file when its start may hold large segments (comments, ICC profiles,
// thumbnails) before the EXIF one.
func Orientation(b []byte) int { return OrientationAt(bytes.NewReader(b), int64(len(b))) }

// maxSegments bounds the markers walked before giving up, so a file made of millions of
// tiny segments costs no more than a normal one.
const maxSegments = 4096

// OrientationAt returns the EXIF Orientation (1-8) of the JPEG file r of size bytes, or 1.
// It walks the segment headers before the image data, wherever the EXIF segment sits among
// them, and reads only that segment's contents.
func OrientationAt(r io.ReaderAt, size int64) int {
	var hdr [4]byte
	if size < 4 || readAt(r, hdr[:2], 0) != nil || hdr[0] != 0xFF || hdr[1] != 0xD8 {
		return 1
	}
	i := int64(2)
	for range maxSegments {
		if i+4 > size || readAt(r, hdr[:], i) != nil || hdr[0] != 0xFF {
			return 1
		}
		marker := hdr[1]
		switch {
		case marker == 0xFF: // fill byte
			i++
			continue
		case marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7): // no length
			i += 2
			continue
		case marker == 0xDA || marker == 0xD9: // image data or end: no EXIF before it
			return 1
		}
		n := int64(binary.BigEndian.Uint16(hdr[2:]))
		if n < 2 {
			return 1
		}
		if marker == 0xE1 && n >= 8 {
			seg := make([]byte, min(n-2, size-i-4))
			if readAt(r, seg, i+4) == nil && len(seg) >= 6 && string(seg[:6]) == "Exif\x00\x00" {
				if o := tiffOrientation(seg[6:]); o != 0 {
					return o
				}
			}
		}
		i += 2 + n
	}
	return 1
}

func readAt(r io.ReaderAt, b []byte, off int64) error {
	n, err := r.ReadAt(b, off)
	if n == len(b) {
		return nil // a full read may end exactly at the end of the file with io.EOF
	}
	return cmp.Or(err, io.ErrUnexpectedEOF)
}

// tiffOrientation reads tag 0x0112 from IFD0 of a TIFF header, or returns 0.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0
	}
	if bo.Uint16(t[2:]) != 42 {
		return 0
	}
	ifd := int(bo.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > len(t) {
		return 0
	}
	n := int(bo.Uint16(t[ifd:]))
	for k := 0; k < n; k++ {
		e := ifd + 2 + 12*k
		if e+12 > len(t) {
			return 0
		}
		if bo.Uint16(t[e:]) != 0x0112 {
			continue
		}
		if typ := bo.Uint16(t[e+2:]); typ != 3 { // SHORT
			return 0
		}
		if o := int(bo.Uint16(t[e+8:])); o >= 1 && o <= 8 {
			return o
		}
		return 0
	}
	return 0
}

// Upright is the size of the image once turned as orientation o says: w and h swap for 5-8.
func Upright(o, w, h int) (int, int) {
	if o >= 5 && o <= 8 {
		return h, w
	}
	return w, h
}

// Source is the pixel of the stored w x h image that lands at (x, y) of the upright image.
func Source(o, w, h, x, y int) (sx, sy int) {
	switch o {
	case 2:
		return w - 1 - x, y
	case 3:
		return w - 1 - x, h - 1 - y
	case 4:
		return x, h - 1 - y
	case 5:
		return y, x
	case 6:
		return y, h - 1 - x
	case 7:
		return w - 1 - y, h - 1 - x
	case 8:
		return w - 1 - y, x
	}
	return x, y
}
