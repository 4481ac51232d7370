// Command bigimages runs the given images through one face pipeline at once and prints, as
// JSON, the best face box of each and the process's peak resident memory. The faces memory test
// builds it without the race detector and runs it in a process of its own, so the peak it reads
// is the pipeline's alone.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/rs/zerolog"

	"github.com/mediafleet/mediafleet/inference/faces"
	"github.com/mediafleet/mediafleet/inference/ort"
)

// report is what the command prints.
type report struct {
	Boxes      [][4]float32 `json:"boxes"` // the best face of each image, in order
	Errors     []string     `json:"errors"`
	PeakRSSKiB int          `json:"peak_rss_kib"`
}

func main() {
	lib := flag.String("ort", "", "ONNX Runtime library")
	models := flag.String("models", "", "folder of the face models")
	flag.Parse()
	rt, err := ort.Open(ort.Config{LibraryPath: *lib}, zerolog.Nop())
	if err != nil {
		fail(err)
	}
	p, err := faces.New(rt, faces.DefaultConfig(*models), zerolog.Nop())
	if err != nil {
		fail(err)
	}
	files := flag.Args()
	r := report{Boxes: make([][4]float32, len(files)), Errors: make([]string, len(files))}
	var wg sync.WaitGroup
	for i, f := range files {
		wg.Go(func() {
			res, err := p.ProcessFile(context.Background(), f)
			switch {
			case err != nil:
				r.Errors[i] = err.Error()
			case len(res.Faces) == 0:
				r.Errors[i] = "no face found in " + f
			default:
				b := res.Faces[0].Box
				r.Boxes[i] = [4]float32{b.X1, b.Y1, b.X2, b.Y2}
			}
		})
	}
	wg.Wait()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		fail(err)
	}
	for _, l := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			fmt.Sscan(v, &r.PeakRSSKiB)
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(r); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bigimages:", err)
	os.Exit(1)
}
