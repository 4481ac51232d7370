package faces

import (
	"errors"
	"fmt"
	"io"
)

// patchAllowance is the memory the full-resolution face regions of one pass may take; more
// faces than fit are fetched in further passes.
const patchAllowance = 16 << 20

// loadPlan is how one image will be decoded, and the memory that takes at its peak.
type loadPlan struct {
	scale   float64 // wanted resolution of the whole-image raster, relative to full
	regions bool    // whether full-resolution face regions may be fetched
	cost    int64
}

// plan picks how to decode s at scale within a budget of total bytes: the whole image at
// scale, and room to fetch face regions at full resolution when that fits too.
func (s *source) plan(scale float64, total int64) (loadPlan, error) {
	p := loadPlan{scale: min(1, scale), regions: true}
	whole, err := s.decodeBytes(p.scale)
	if err != nil {
		return p, err
	}
	p.cost = whole + s.regionBytes()
	if p.cost > total { // decode without the full-resolution regions, if that fits
		p.regions, p.cost = false, whole
	}
	return p, nil
}

// decodeBytes is the peak memory of decoding the whole image at scale (the raster twice
// while it is turned upright, decoder buffers, the file itself for JPEG).
func (s *source) decodeBytes(scale float64) (int64, error) {
	uw, uh := s.upright()
	out := func(w, h int) int64 { return 2 * 3 * int64(w) * int64(h) }
	switch {
	case s.format == "jpeg" && !s.jpg.cmyk:
		m := jpegScaleFor(scale)
		n := s.size + out(m.scaled(uw), m.scaled(uh)) + 1<<20
		if s.jpg.progressive {
			n += 2 * s.jpg.coefs
		}
		return n, nil
	case s.format == "png" && !s.png.interlaced:
		f := shrinkFactor(scale)
		return pngStreamBytes(s.png) + boxSinkBytes(pixRect{0, 0, s.w, s.h}, f), nil
	}
	f := shrinkFactor(scale)
	return s.goDecodeBytes() + boxSinkBytes(pixRect{0, 0, s.w, s.h}, f), nil
}

// regionBytes is the extra peak memory of one pass fetching face regions.
func (s *source) regionBytes() int64 {
	switch {
	case s.format == "jpeg" && !s.jpg.cmyk:
		return 2*s.jpg.coefs + patchAllowance
	case s.format == "png" && !s.png.interlaced:
		return pngStreamBytes(s.png) + patchAllowance
	}
	return s.goDecodeBytes() + patchAllowance
}

// decode returns the whole upright image at a resolution of at least scale.
func (s *source) decode(scale float64) (*patch, error) {
	uw, uh := s.upright()
	var img *raster
	switch {
	case s.format == "jpeg" && !s.jpg.cmyk:
		data, err := s.jpegData()
		if err != nil {
			return nil, err
		}
		m := jpegScaleFor(scale)
		img, err = jpegDecode(data, s.jpg, m)
		if err != nil && (img == nil || jpegTruncated(err)) {
			return nil, s.corrupt(err)
		}
		if f := shrinkFactor(scale * 8 / float64(m)); f > 1 {
			img = shrink(img, 0, 0, img.w/f, img.h/f, f)
		}
	default:
		sink := newBoxSink(pixRect{0, 0, s.w, s.h}, shrinkFactor(scale))
		if err := s.stream(sink); err != nil {
			return nil, err
		}
		img = sink.out
	}
	img = orient(img, s.orient)
	return wholePatch(img, uw, uh), nil
}

// jpegData reads the whole JPEG and its layout (libjpeg-turbo decodes from memory); the
// bytes are kept for cutting face regions out later.
func (s *source) jpegData() ([]byte, error) {
	if s.data != nil {
		return s.data, nil
	}
	data, err := s.readAll()
	if err != nil {
		return nil, err
	}
	info, err := jpegHeader(data)
	if err != nil {
		return nil, s.corrupt(err)
	}
	s.jpg.subsamp = info.subsamp
	s.data = data
	return data, nil
}

// stream feeds the stored image's rows to sink: PNG row by row, other formats through Go's
// decoders.
func (s *source) stream(sink rowSink) error {
	if s.format == "png" && !s.png.interlaced {
		if err := pngStream(io.NewSectionReader(s.f, 0, s.size), s.png, sink); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return s.corrupt(err)
		}
		return nil
	}
	return s.goDecode(sink)
}

// regions fetches parts of the upright image at (at least) the scales asked, each as a
// patch; a request that cannot be served comes back nil.
func (s *source) regions(reqs []regionReq) ([]*patch, error) {
	out := make([]*patch, len(reqs))
	uw, uh := s.upright()
	if s.format == "jpeg" && !s.jpg.cmyk {
		data, err := s.jpegData()
		if err != nil {
			return nil, err
		}
		stored := make([]pixRect, len(reqs))
		for i, q := range reqs {
			stored[i] = storedRect(s.orient, s.w, s.h, q.r)
		}
		crops, got, err := jpegCrops(data, s.jpg, stored)
		if err != nil {
			return nil, s.corrupt(err)
		}
		for i, c := range crops {
			info, err := jpegHeader(c)
			if err != nil {
				continue
			}
			img, err := jpegDecode(c, info, jpegScaleFor(reqs[i].scale))
			if img == nil || jpegTruncated(err) {
				continue
			}
			out[i] = orientedPatch(img, s.orient, s.w, s.h, got[i])
		}
		return out, nil
	}
	boxes := make([]*boxSink, len(reqs))
	all := make(sinks, len(reqs))
	for i, q := range reqs {
		boxes[i] = newBoxSink(storedRect(s.orient, s.w, s.h, q.r), shrinkFactor(q.scale))
		all[i] = boxes[i]
	}
	if err := s.stream(all); err != nil {
		return nil, err
	}
	for i, b := range boxes {
		out[i] = orientedPatch(b.out, s.orient, s.w, s.h, b.win)
	}
	_ = uw + uh
	return out, nil
}

// orientedPatch turns a raster of the stored region r upright and places it.
func orientedPatch(img *raster, o, w, h int, r pixRect) *patch {
	img = orient(img, o)
	u := uprightRect(o, w, h, r)
	return &patch{img: img, ox: float64(u.x0), oy: float64(u.y0),
		sx: float64(img.w) / float64(u.w()), sy: float64(img.h) / float64(u.h())}
}

// loadFile decodes the whole image at path at full resolution, upright (for tests and
// tools that want the pixels).
func loadFile(path string, maxPixels int64) (*raster, error) {
	s, err := openSource(path, maxPixels)
	if err != nil {
		return nil, err
	}
	defer s.close()
	p, err := s.decode(1)
	if err != nil {
		return nil, fmt.Errorf("%w", err)
	}
	return p.img, nil
}
