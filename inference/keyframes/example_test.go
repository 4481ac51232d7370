package keyframes_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/mediafleet/mediafleet/inference/keyframes"
	"github.com/mediafleet/mediafleet/internal/testenv"
)

// A worker builds one Extractor from its configuration, checks it at start, and calls Extract
// per video; IsPermanent decides between giving up on the file and retrying later.
func ExampleExtractor_Extract() {
	ex := keyframes.Extractor{MinSpacing: time.Second, MaxFrames: 50, FallbackInterval: 10 * time.Second}
	ctx := context.Background()
	if err := ex.Check(ctx); err != nil {
		fmt.Println(err) // refuse to start: ffmpeg is missing or the settings are wrong
		return
	}
	out, err := os.MkdirTemp("", "keyframes-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(out)

	video := filepath.Join(testenv.CacheDir(), "samples", "Megamind.avi")
	res, err := ex.Extract(ctx, video, out)
	switch {
	case keyframes.IsPermanent(err):
		fmt.Println("bad file, skip:", err)
	case err != nil:
		fmt.Println("retry later:", err)
	default:
		fmt.Printf("%s: %d frames of %dx%d %s, fallback %v\n", ex.ModelVersion()[:3], len(res.Frames),
			res.Video.Width, res.Video.Height, res.Video.Codec, res.Fallback)
		for _, f := range res.Frames {
			fmt.Printf("%s at %.2f s\n", filepath.Base(f.Path), f.Timestamp)
		}
	}
	// Output:
	// kf1: 4 frames of 720x528 mpeg4, fallback false
	// 0001.jpg at 0.04 s
	// 0002.jpg at 4.13 s
	// 0003.jpg at 6.46 s
	// 0004.jpg at 8.38 s
}
