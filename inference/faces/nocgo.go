//go:build !cgo

package faces

// The face pipeline decodes JPEG with libjpeg-turbo through cgo. This build has cgo off
// (CGO_ENABLED=0), so it stops here on purpose: build with cgo and libturbojpeg0-dev.
var _ = faces_needs_cgo_and_libturbojpeg__build_with_CGO_ENABLED_1_and_apt_install_libturbojpeg0_dev
