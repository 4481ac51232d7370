package writeback

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
)

// npyMagic starts every .npy file; version 1.0 follows.
const npyMagic = "\x93NUMPY"

// EncodeNPY renders a float32 vector as a .npy file (format version 1.0, little-endian
// '<f4', C order, shape (n,)), as numpy.save writes a one-dimensional float32 array.
func EncodeNPY(v []float32) []byte {
	header := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%d,), }", len(v))
	// magic (6) + version (2) + header length (2) + header + '\n' is a multiple of 64.
	total := 10 + len(header) + 1
	pad := (64 - total%64) % 64
	header += strings.Repeat(" ", pad) + "\n"
	var b bytes.Buffer
	b.Grow(10 + len(header) + 4*len(v))
	b.WriteString(npyMagic)
	b.Write([]byte{1, 0})
	_ = binary.Write(&b, binary.LittleEndian, uint16(len(header)))
	b.WriteString(header)
	var f [4]byte
	for _, x := range v {
		binary.LittleEndian.PutUint32(f[:], math.Float32bits(x))
		b.Write(f[:])
	}
	return b.Bytes()
}

// DecodeNPY reads a one-dimensional little-endian float32 .npy file (format 1.0 to 3.0),
// refusing anything else.
func DecodeNPY(b []byte) ([]float32, error) {
	if len(b) < 10 || string(b[:6]) != npyMagic {
		return nil, errors.New("npy: no \\x93NUMPY magic")
	}
	var hlen, off int
	switch b[6] {
	case 1:
		hlen, off = int(binary.LittleEndian.Uint16(b[8:10])), 10
	case 2, 3:
		if len(b) < 12 {
			return nil, errors.New("npy: truncated header")
		}
		hlen, off = int(binary.LittleEndian.Uint32(b[8:12])), 12
	default:
		return nil, fmt.Errorf("npy: format version %d.%d", b[6], b[7])
	}
	if len(b) < off+hlen {
		return nil, errors.New("npy: truncated header")
	}
	h := strings.ReplaceAll(string(b[off:off+hlen]), " ", "")
	if !strings.Contains(h, "'descr':'<f4'") || !strings.Contains(h, "'fortran_order':False") {
		return nil, fmt.Errorf("npy: header %q is not a little-endian float32 array in C order", strings.TrimSpace(string(b[off:off+hlen])))
	}
	i := strings.Index(h, "'shape':(")
	if i < 0 {
		return nil, fmt.Errorf("npy: header %q has no shape", h)
	}
	var n int
	if _, err := fmt.Sscanf(h[i+len("'shape':("):], "%d,)", &n); err != nil {
		return nil, fmt.Errorf("npy: shape in %q is not one-dimensional: %v", h, err)
	}
	data := b[off+hlen:]
	if len(data) != 4*n {
		return nil, fmt.Errorf("npy: shape (%d,) needs %d bytes of data, the file has %d", n, 4*n, len(data))
	}
	v := make([]float32, n)
	for k := range v {
		v[k] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*k:]))
	}
	return v, nil
}
