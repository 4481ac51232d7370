package faces

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// maxJPEGSegments bounds the markers walked to find the frame header.
const maxJPEGSegments = 4096

// jpegScan walks a JPEG's segment headers up to its frame header (SOF) and returns the
// size, component count and whether it is progressive, reading only segment headers, so
// a large segment (comments, ICC profile, thumbnails) costs nothing. The subsampling is
// left for libjpeg-turbo to read when the file is decoded.
func jpegScan(r io.ReaderAt, size int64) (jpegInfo, error) {
	var hdr [10]byte
	i := int64(2)
	for range maxJPEGSegments {
		if i+4 > size {
			return jpegInfo{}, io.ErrUnexpectedEOF
		}
		if _, err := r.ReadAt(hdr[:4], i); err != nil {
			return jpegInfo{}, err
		}
		if hdr[0] != 0xFF {
			return jpegInfo{}, fmt.Errorf("no marker at byte %d", i)
		}
		m := hdr[1]
		switch {
		case m == 0xFF:
			i++
			continue
		case m == 0x01 || (m >= 0xD0 && m <= 0xD7):
			i += 2
			continue
		case m == 0xDA || m == 0xD9:
			return jpegInfo{}, errors.New("no frame header before the image data")
		}
		n := int64(binary.BigEndian.Uint16(hdr[2:4]))
		if n < 2 {
			return jpegInfo{}, fmt.Errorf("segment length %d", n)
		}
		// SOF0-SOF15 but DHT (C4), JPG (C8) and DAC (CC).
		if m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC {
			if n < 8 || i+10 > size {
				return jpegInfo{}, io.ErrUnexpectedEOF
			}
			if _, err := r.ReadAt(hdr[:], i); err != nil {
				return jpegInfo{}, err
			}
			info := jpegInfo{h: int(binary.BigEndian.Uint16(hdr[5:])), w: int(binary.BigEndian.Uint16(hdr[7:])),
				progressive: m == 0xC2 || m == 0xC6 || m == 0xCA || m == 0xCE}
			comps := int(hdr[9])
			if comps < 1 || comps > 4 || n < int64(8+3*comps) {
				return jpegInfo{}, fmt.Errorf("frame header with %d components", comps)
			}
			info.cmyk = comps == 4
			sf := make([]byte, 3*comps)
			if _, err := r.ReadAt(sf, i+10); err != nil {
				return jpegInfo{}, err
			}
			info.coefs = coefficients(info.w, info.h, sf)
			return info, nil
		}
		i += 2 + n
	}
	return jpegInfo{}, errors.New("too many segments before the frame header")
}

// coefficients is the number of DCT coefficients the image holds (what libjpeg keeps in
// memory for a progressive file, or to cut regions out without decoding), from the
// sampling factors of each component (3 bytes a component: id, H<<4|V, table).
func coefficients(w, h int, comps []byte) int64 {
	hmax, vmax := 1, 1
	for c := 0; c+2 < len(comps); c += 3 {
		hmax, vmax = max(hmax, int(comps[c+1]>>4)), max(vmax, int(comps[c+1]&15))
	}
	var n int64
	for c := 0; c+2 < len(comps); c += 3 {
		hs, vs := max(1, int(comps[c+1]>>4)), max(1, int(comps[c+1]&15))
		cw := (w*hs + hmax - 1) / hmax
		ch := (h*vs + vmax - 1) / vmax
		n += int64((cw+7)/8*8) * int64((ch+7)/8*8)
	}
	return n
}
