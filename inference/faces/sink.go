package faces

// pixRect is a rectangle of whole pixels, [x0,x1) x [y0,y1).
type pixRect struct{ x0, y0, x1, y1 int }

func (r pixRect) w() int { return r.x1 - r.x0 }
func (r pixRect) h() int { return r.y1 - r.y0 }

// rowSink takes the rows of a stored image, top to bottom, as packed 8-bit RGB.
type rowSink interface {
	row(y int, rgb []byte)
}

// boxSink keeps a window of the rows it is given, averaged down by an integer factor f
// (f x f source pixels per output pixel; the last row and column of boxes may be cut short
// by the window's edge and average what they have). It holds one output row of sums at a
// time, so a streamed image of any size costs only its reduced raster.
type boxSink struct {
	win  pixRect
	f    int
	out  *raster
	acc  []uint32
	rows int // source rows summed into acc so far
	oy   int // output row being summed
}

func newBoxSink(win pixRect, f int) *boxSink {
	w, h := (win.w()+f-1)/f, (win.h()+f-1)/f
	return &boxSink{win: win, f: f, out: newRaster(w, h), acc: make([]uint32, 3*w)}
}

// bytes is what a boxSink over win at factor f holds.
func boxSinkBytes(win pixRect, f int) int64 {
	w, h := int64((win.w()+f-1)/f), int64((win.h()+f-1)/f)
	return 3*w*h + 12*w
}

func (s *boxSink) row(y int, rgb []byte) {
	if y < s.win.y0 || y >= s.win.y1 {
		return
	}
	src := rgb[3*s.win.x0 : 3*s.win.x1]
	if s.f == 1 {
		copy(s.out.pix[3*s.out.w*(y-s.win.y0):], src)
		return
	}
	for x := 0; x < s.out.w; x++ {
		seg := src[3*x*s.f : min(len(src), 3*(x+1)*s.f)]
		a := s.acc[3*x:][:3]
		for i := 0; i+2 < len(seg); i += 3 {
			a[0] += uint32(seg[i])
			a[1] += uint32(seg[i+1])
			a[2] += uint32(seg[i+2])
		}
	}
	s.rows++
	if s.rows == s.f || y == s.win.y1-1 {
		s.flush()
	}
}

func (s *boxSink) flush() {
	o := s.out.pix[3*s.out.w*s.oy:][:3*s.out.w]
	srcW := s.win.w()
	for x := 0; x < s.out.w; x++ {
		n := uint32(s.rows * (min(srcW, (x+1)*s.f) - x*s.f))
		for c := 0; c < 3; c++ {
			o[3*x+c] = byte((s.acc[3*x+c] + n/2) / n)
		}
	}
	clear(s.acc)
	s.rows = 0
	s.oy++
}

// sinks fans rows out to several sinks.
type sinks []rowSink

func (ss sinks) row(y int, rgb []byte) {
	for _, s := range ss {
		s.row(y, rgb)
	}
}

// composite blends a colour channel with alpha (both 0-255) over the white background that
// every transparent pixel is shown on, here and in captions: an invisible pixel is white,
// whatever colour values it carries.
func composite(v, a uint32) byte { return byte((v*a + 255*(255-a) + 127) / 255) }
