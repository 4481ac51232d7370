//go:build cgo

package faces

/*
#cgo LDFLAGS: -lturbojpeg
#if defined(__has_include)
#if !__has_include(<turbojpeg.h>)
#error "mediafleet's face pipeline decodes JPEG with libjpeg-turbo's TurboJPEG API: install it with `apt-get install libturbojpeg0-dev` (go tool task setup does)"
#endif
#endif
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

// mf_header reads a JPEG's size, subsampling and colour space; it returns 0 on success.
static int mf_header(const unsigned char *buf, unsigned long n, int *w, int *h, int *ss, int *cs, char *err, int errlen) {
	tjhandle t = tjInitDecompress();
	if (!t) { strncpy(err, tjGetErrorStr2(NULL), errlen - 1); return -1; }
	int rc = tjDecompressHeader3(t, buf, n, w, h, ss, cs);
	if (rc != 0) strncpy(err, tjGetErrorStr2(t), errlen - 1);
	tjDestroy(t);
	return rc;
}

// mf_decode decodes a JPEG into packed RGB at w x h (a scaled size from tjGetScalingFactors).
// It returns 0 on success, 1 when libjpeg only warned, -1 on failure; err holds the message.
static int mf_decode(const unsigned char *buf, unsigned long n, unsigned char *dst, int w, int h, char *err, int errlen) {
	tjhandle t = tjInitDecompress();
	if (!t) { strncpy(err, tjGetErrorStr2(NULL), errlen - 1); return -1; }
	int rc = tjDecompress2(t, buf, n, dst, w, 0, h, TJPF_RGB, TJFLAG_LIMITSCANS);
	if (rc != 0) {
		strncpy(err, tjGetErrorStr2(t), errlen - 1);
		rc = tjGetErrorCode(t) == TJERR_WARNING ? 1 : -1;
	}
	tjDestroy(t);
	return rc;
}

// mf_crop cuts n regions out of a JPEG without decoding its pixels (lossless, on MCU
// boundaries): region i is xywh[4i..4i+3] and comes back as a small JPEG in out[i]
// (free it with tjFree). It returns 0 on success, -1 on failure.
static int mf_crop(const unsigned char *buf, unsigned long n, int count, const int *xywh,
	unsigned char **out, unsigned long *outlen, char *err, int errlen) {
	tjhandle t = tjInitTransform();
	if (!t) { strncpy(err, tjGetErrorStr2(NULL), errlen - 1); return -1; }
	tjtransform *tr = calloc(count, sizeof(tjtransform));
	if (!tr) { tjDestroy(t); strncpy(err, "out of memory", errlen - 1); return -1; }
	for (int i = 0; i < count; i++) {
		tr[i].r.x = xywh[4*i]; tr[i].r.y = xywh[4*i+1]; tr[i].r.w = xywh[4*i+2]; tr[i].r.h = xywh[4*i+3];
		tr[i].op = TJXOP_NONE;
		tr[i].options = TJXOPT_CROP;
		out[i] = NULL; outlen[i] = 0;
	}
	int rc = tjTransform(t, buf, n, count, out, outlen, tr, TJFLAG_LIMITSCANS);
	if (rc != 0) {
		strncpy(err, tjGetErrorStr2(t), errlen - 1);
		if (tjGetErrorCode(t) == TJERR_WARNING) rc = 0;
	}
	free(tr);
	tjDestroy(t);
	return rc;
}

static int mf_mcu_w(int ss) { return tjMCUWidth[ss]; }
static int mf_mcu_h(int ss) { return tjMCUHeight[ss]; }
static int mf_is_cmyk(int cs) { return cs == TJCS_CMYK || cs == TJCS_YCCK; }
*/
import "C"

import (
	"errors"
	"strings"
	"unsafe"
)

// jpegInfo is what a JPEG's header says.
type jpegInfo struct {
	w, h        int
	subsamp     int   // libjpeg-turbo's TJSAMP value, once jpegHeader has read it
	cmyk        bool  // CMYK or YCCK: libjpeg-turbo cannot give RGB for these
	progressive bool  // libjpeg keeps every coefficient in memory while decoding it
	coefs       int64 // DCT coefficients of all components (2 bytes each in libjpeg)
}

const tjErrLen = 256

func cbytes(b []byte) (*C.uchar, C.ulong) {
	return (*C.uchar)(unsafe.Pointer(unsafe.SliceData(b))), C.ulong(len(b))
}

func tjError(buf []C.char) error {
	return errors.New(strings.TrimSpace(C.GoString(&buf[0])))
}

// jpegHeader reads the size, subsampling and colour space of the JPEG in b.
func jpegHeader(b []byte) (jpegInfo, error) {
	var w, h, ss, cs C.int
	var msg [tjErrLen]C.char
	p, n := cbytes(b)
	if C.mf_header(p, n, &w, &h, &ss, &cs, &msg[0], tjErrLen) != 0 {
		return jpegInfo{}, tjError(msg[:])
	}
	return jpegInfo{w: int(w), h: int(h), subsamp: int(ss), cmyk: C.mf_is_cmyk(cs) != 0}, nil
}

// jpegScale is a DCT scaling factor num/8 that libjpeg-turbo applies while decoding.
type jpegScale int

// scaled is a dimension at the scale, rounded up as libjpeg-turbo does.
func (s jpegScale) scaled(d int) int { return (d*int(s) + 7) / 8 }

// jpegScaleFor is the smallest num/8 (1..8) that is at least want; 8 when want >= 1.
func jpegScaleFor(want float64) jpegScale {
	for m := 1; m < 8; m++ {
		if float64(m)/8 >= want {
			return jpegScale(m)
		}
	}
	return 8
}

// errJPEGWarning marks a JPEG that decoded with a warning from libjpeg (its pixels are
// filled, possibly with grey where data was missing).
var errJPEGWarning = errors.New("libjpeg warning")

// jpegDecode decodes the JPEG in b at scale s into an RGB raster.
func jpegDecode(b []byte, info jpegInfo, s jpegScale) (*raster, error) {
	r := newRaster(s.scaled(info.w), s.scaled(info.h))
	var msg [tjErrLen]C.char
	p, n := cbytes(b)
	rc := C.mf_decode(p, n, (*C.uchar)(unsafe.Pointer(unsafe.SliceData(r.pix))), C.int(r.w), C.int(r.h), &msg[0], tjErrLen)
	switch rc {
	case 0:
		return r, nil
	case 1:
		return r, errors.Join(errJPEGWarning, tjError(msg[:]))
	}
	return nil, tjError(msg[:])
}

// jpegCrops cuts the regions (in the stored image's pixels) out of the JPEG in b without
// decoding it; each region grows to the MCU grid, and comes back with where it starts.
func jpegCrops(b []byte, info jpegInfo, regions []pixRect) ([][]byte, []pixRect, error) {
	mw, mh := int(C.mf_mcu_w(C.int(info.subsamp))), int(C.mf_mcu_h(C.int(info.subsamp)))
	xywh := make([]C.int, 4*len(regions))
	got := make([]pixRect, len(regions))
	for i, r := range regions {
		x0, y0 := r.x0/mw*mw, r.y0/mh*mh
		x1, y1 := min(info.w, r.x1), min(info.h, r.y1)
		got[i] = pixRect{x0, y0, x1, y1}
		xywh[4*i], xywh[4*i+1], xywh[4*i+2], xywh[4*i+3] = C.int(x0), C.int(y0), C.int(x1-x0), C.int(y1-y0)
	}
	outs := (**C.uchar)(C.calloc(C.size_t(len(regions)), C.size_t(unsafe.Sizeof(uintptr(0)))))
	lens := (*C.ulong)(C.calloc(C.size_t(len(regions)), C.size_t(unsafe.Sizeof(C.ulong(0)))))
	defer C.free(unsafe.Pointer(outs))
	defer C.free(unsafe.Pointer(lens))
	var msg [tjErrLen]C.char
	p, n := cbytes(b)
	rc := C.mf_crop(p, n, C.int(len(regions)), &xywh[0], outs, lens, &msg[0], tjErrLen)
	bufs := unsafe.Slice(outs, len(regions))
	sizes := unsafe.Slice(lens, len(regions))
	res := make([][]byte, len(regions))
	for i := range regions {
		if bufs[i] != nil {
			res[i] = C.GoBytes(unsafe.Pointer(bufs[i]), C.int(sizes[i]))
			C.tjFree(bufs[i])
		}
	}
	if rc != 0 {
		return nil, nil, tjError(msg[:])
	}
	return res, got, nil
}
