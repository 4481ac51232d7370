package faces

import (
	"bufio"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// pngInfo is what a PNG's IHDR, PLTE and tRNS chunks say.
type pngInfo struct {
	w, h       int
	depth      int // bits per sample: 1, 2, 4, 8 or 16
	color      int // 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA
	interlaced bool
}

// channels is the number of samples per pixel of a PNG colour type.
func (p pngInfo) channels() int {
	switch p.color {
	case 2:
		return 3
	case 4:
		return 2
	case 6:
		return 4
	}
	return 1
}

// rowBytes is the length of one unfiltered row.
func (p pngInfo) rowBytes() int { return (p.w*p.channels()*p.depth + 7) / 8 }

// valid reports whether the IHDR combination is one the PNG specification allows.
func (p pngInfo) valid() bool {
	ok := map[int][]int{0: {1, 2, 4, 8, 16}, 2: {8, 16}, 3: {1, 2, 4, 8}, 4: {8, 16}, 6: {8, 16}}[p.color]
	for _, d := range ok {
		if d == p.depth {
			return p.w > 0 && p.h > 0
		}
	}
	return false
}

// pngHeaderInfo reads the IHDR of a PNG from the start of its file.
func pngHeaderInfo(b []byte) (pngInfo, error) {
	if len(b) < 33 || string(b[12:16]) != "IHDR" {
		return pngInfo{}, errors.New("no IHDR chunk")
	}
	h := b[16:29]
	p := pngInfo{w: int(binary.BigEndian.Uint32(h[0:])), h: int(binary.BigEndian.Uint32(h[4:])),
		depth: int(h[8]), color: int(h[9]), interlaced: h[12] == 1}
	if !p.valid() || h[10] != 0 || h[11] != 0 || h[12] > 1 || p.w > 1<<30 || p.h > 1<<30 {
		return pngInfo{}, fmt.Errorf("invalid IHDR (%dx%d, %d-bit, colour type %d)", p.w, p.h, p.depth, p.color)
	}
	return p, nil
}

// pngStreamBytes is what streaming a PNG holds besides its sinks: two rows and the inflater.
func pngStreamBytes(p pngInfo) int64 { return 2*int64(p.rowBytes()+1) + 3*int64(p.w) + 64<<10 }

// pngStream decodes a non-interlaced PNG row by row into sink as 8-bit RGB, transparent
// pixels composited over white, holding only two rows at a time.
func pngStream(r io.Reader, p pngInfo, sink rowSink) error {
	br := bufio.NewReaderSize(r, 64<<10)
	if _, err := br.Discard(8); err != nil {
		return err
	}
	var palette [256][4]byte // RGBA
	for i := range palette {
		palette[i][3] = 255
	}
	trns := -1 // for grey and RGB: the transparent sample value (16-bit compare), else -1
	var trnsRGB [3]int
	var idat *idatReader
	for idat == nil {
		typ, data, err := pngChunk(br)
		if err != nil {
			return err
		}
		switch typ {
		case "PLTE":
			for i := 0; i+2 < len(data) && i/3 < 256; i += 3 {
				palette[i/3] = [4]byte{data[i], data[i+1], data[i+2], 255}
			}
		case "tRNS":
			switch p.color {
			case 3:
				for i := 0; i < len(data) && i < 256; i++ {
					palette[i][3] = data[i]
				}
			case 0:
				if len(data) >= 2 {
					trns = int(binary.BigEndian.Uint16(data))
				}
			case 2:
				if len(data) >= 6 {
					trns = 0
					for c := range 3 {
						trnsRGB[c] = int(binary.BigEndian.Uint16(data[2*c:]))
					}
				}
			}
		case "IDAT":
			idat = &idatReader{br: br, first: data}
		case "IEND":
			return errors.New("no image data (IDAT)")
		}
	}
	zr, err := zlib.NewReader(idat)
	if err != nil {
		return err
	}
	defer zr.Close()
	n := p.rowBytes()
	bpp := max(1, p.channels()*p.depth/8) // bytes per complete pixel, for the filters
	cur, prev := make([]byte, n+1), make([]byte, n+1)
	rgb := make([]byte, 3*p.w)
	for y := 0; y < p.h; y++ {
		if _, err := io.ReadFull(zr, cur); err != nil {
			return err
		}
		if err := unfilter(cur[0], cur[1:], prev[1:], bpp); err != nil {
			return err
		}
		pngRowRGB(p, cur[1:], rgb, &palette, trns, trnsRGB)
		sink.row(y, rgb)
		cur, prev = prev, cur
	}
	return nil
}

// pngChunk reads one chunk and checks its CRC. Chunks other than IDAT are small; a
// non-IDAT chunk over 16 MiB is refused rather than read into memory.
func pngChunk(br *bufio.Reader) (string, []byte, error) {
	var hdr [8]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return "", nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:4])
	typ := string(hdr[4:])
	if n > 16<<20 && typ != "IDAT" {
		return "", nil, fmt.Errorf("%q chunk of %d bytes", typ, n)
	}
	if n > 1<<31 {
		return "", nil, fmt.Errorf("chunk length %d", n)
	}
	data := make([]byte, n)
	if _, err := io.ReadFull(br, data); err != nil {
		return "", nil, err
	}
	var crc [4]byte
	if _, err := io.ReadFull(br, crc[:]); err != nil {
		return "", nil, err
	}
	h := crc32.NewIEEE()
	h.Write(hdr[4:])
	h.Write(data)
	if h.Sum32() != binary.BigEndian.Uint32(crc[:]) {
		return "", nil, fmt.Errorf("bad CRC in %q chunk", typ)
	}
	return typ, data, nil
}

// idatReader reads the concatenated data of consecutive IDAT chunks.
type idatReader struct {
	br    *bufio.Reader
	first []byte
	done  bool
}

func (r *idatReader) Read(b []byte) (int, error) {
	for len(r.first) == 0 {
		if r.done {
			return 0, io.ErrUnexpectedEOF
		}
		typ, data, err := pngChunk(r.br)
		if err != nil {
			return 0, err
		}
		if typ != "IDAT" {
			r.done = true
			continue
		}
		r.first = data
	}
	n := copy(b, r.first)
	r.first = r.first[n:]
	return n, nil
}

// unfilter reverses a PNG row filter in place.
func unfilter(ft byte, cur, prev []byte, bpp int) error {
	switch ft {
	case 0:
	case 1:
		for i := bpp; i < len(cur); i++ {
			cur[i] += cur[i-bpp]
		}
	case 2:
		for i := range cur {
			cur[i] += prev[i]
		}
	case 3:
		for i := range bpp {
			cur[i] += prev[i] / 2
		}
		for i := bpp; i < len(cur); i++ {
			cur[i] += byte((int(cur[i-bpp]) + int(prev[i])) / 2)
		}
	case 4:
		for i := range bpp {
			cur[i] += prev[i]
		}
		for i := bpp; i < len(cur); i++ {
			cur[i] += paeth(cur[i-bpp], prev[i], prev[i-bpp])
		}
	default:
		return fmt.Errorf("unknown row filter %d", ft)
	}
	return nil
}

func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	switch {
	case pa <= pb && pa <= pc:
		return a
	case pb <= pc:
		return b
	}
	return c
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// pngRowRGB converts one unfiltered row to 8-bit RGB over white.
func pngRowRGB(p pngInfo, row, rgb []byte, pal *[256][4]byte, trns int, trnsRGB [3]int) {
	w := p.w
	if p.depth == 8 && trns < 0 && (p.color == 2 || p.color == 6) {
		if p.color == 2 {
			copy(rgb, row[:3*w])
			return
		}
		for x := 0; x < w; x++ {
			s, a := row[4*x:][:4], uint32(row[4*x+3])
			if a == 255 {
				rgb[3*x], rgb[3*x+1], rgb[3*x+2] = s[0], s[1], s[2]
				continue
			}
			rgb[3*x], rgb[3*x+1], rgb[3*x+2] = composite(uint32(s[0]), a), composite(uint32(s[1]), a), composite(uint32(s[2]), a)
		}
		return
	}
	if p.depth == 16 && trns < 0 && (p.color == 2 || p.color == 6) {
		n := 2 * p.channels()
		for x := 0; x < w; x++ {
			s := row[n*x:][:n]
			if p.color == 2 || s[6] == 255 {
				rgb[3*x], rgb[3*x+1], rgb[3*x+2] = s[0], s[2], s[4]
				continue
			}
			a := uint32(s[6])
			rgb[3*x], rgb[3*x+1], rgb[3*x+2] = composite(uint32(s[0]), a), composite(uint32(s[2]), a), composite(uint32(s[4]), a)
		}
		return
	}
	sample := func(i int) (v8 byte, v16 int) { // i-th sample of the row
		switch p.depth {
		case 16:
			v := int(binary.BigEndian.Uint16(row[2*i:]))
			return byte(v >> 8), v
		case 8:
			return row[i], int(row[i])
		}
		per := 8 / p.depth
		shift := uint(8 - p.depth*(i%per+1))
		v := int(row[i/per]>>shift) & (1<<p.depth - 1)
		if p.color == 3 {
			return byte(v), v
		}
		return byte(v * 255 / (1<<p.depth - 1)), v
	}
	for x := 0; x < w; x++ {
		o := rgb[3*x:][:3]
		switch p.color {
		case 0:
			g, g16 := sample(x)
			if g16 == trns {
				g = 255
			}
			o[0], o[1], o[2] = g, g, g
		case 2:
			var v [3]byte
			same := trns >= 0
			for c := range 3 {
				var s16 int
				v[c], s16 = sample(3*x + c)
				same = same && s16 == trnsRGB[c]
			}
			if same {
				v = [3]byte{255, 255, 255}
			}
			o[0], o[1], o[2] = v[0], v[1], v[2]
		case 3:
			i, _ := sample(x)
			c := pal[i]
			a := uint32(c[3])
			o[0], o[1], o[2] = composite(uint32(c[0]), a), composite(uint32(c[1]), a), composite(uint32(c[2]), a)
		case 4:
			g, _ := sample(2 * x)
			a, _ := sample(2*x + 1)
			v := composite(uint32(g), uint32(a))
			o[0], o[1], o[2] = v, v, v
		case 6:
			a, _ := sample(4*x + 3)
			for c := range 3 {
				v, _ := sample(4*x + c)
				o[c] = composite(uint32(v), uint32(a))
			}
		}
	}
}
