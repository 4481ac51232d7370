package captions_test

import (
	"context"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/mediafleet/mediafleet/inference/captions"
)

// A worker builds one Captioner from its configuration and maps the two error classes onto
// its queue: permanent errors skip the task, others retry it (after RetryAfter when given).
func Example() {
	// Stands in for a vlmCaptionModels caption server.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"caption": "A plain grey square.", "model": "blip2-opt-2.7b", "provider": "blip2",
			"generation_time_seconds": 0.41, "device": "cuda:0"}`)
	}))
	defer srv.Close()
	dir, _ := os.MkdirTemp("", "captions-example")
	defer os.RemoveAll(dir)
	photo := filepath.Join(dir, "grey.png")
	f, _ := os.Create(photo)
	_ = png.Encode(f, image.NewGray(image.Rect(0, 0, 64, 48)))
	f.Close()

	c, err := captions.New(captions.Config{Backend: captions.BackendVLMCaption, URL: srv.URL}, captions.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, path := range []string{photo, filepath.Join(dir, "missing.jpg")} {
		res, err := c.Caption(context.Background(), path)
		switch {
		case err == nil:
			fmt.Printf("%s %q by %s on %s\n", c.Name(), res.Text, res.Model, res.Device)
		case captions.IsPermanent(err):
			fmt.Println("skip:", filepath.Base(path))
		default:
			wait, _ := captions.RetryAfter(err)
			fmt.Println("retry after", wait)
		}
	}
	// Output:
	// vlmcaption "A plain grey square." by blip2-opt-2.7b on cuda:0
	// skip: missing.jpg
}
