package faces

import (
	"context"
	"sync"
	"time"
)

// FileProcessor finds and embeds the faces of one image file ([Pipeline] does).
type FileProcessor interface {
	ProcessFile(ctx context.Context, path string) (*Result, error)
}

// FileFaces is what one file gave in the untimed pass of [TimeFiles].
type FileFaces struct {
	Path  string `json:"path"`
	Error string `json:"error,omitempty"`
	Faces []Face `json:"faces"`
}

// Timing is what [TimeFiles] found and measured.
type Timing struct {
	// Results are the untimed pass, one per file in the order given.
	Results []FileFaces
	// Faces counts the faces of the untimed pass.
	Faces int
	// Images is the files of the timed passes: the files times repeat.
	Images int
	// Seconds is how long the timed passes took, and ImagesPerSecond their rate.
	Seconds, ImagesPerSecond float64
}

// TimeFiles passes once over paths without timing it (the results, and the first runs that set
// up the device), then repeat times with concurrency files in flight, timed. A file that fails
// is reported in its result and counted in the timing like the rest. It returns ctx's error
// when ctx ended before every file was run.
func TimeFiles(ctx context.Context, p FileProcessor, paths []string, concurrency, repeat int) (Timing, error) {
	t := Timing{Results: make([]FileFaces, len(paths)), Images: len(paths) * repeat}
	forEach(ctx, paths, concurrency, func(i int, path string) {
		r := FileFaces{Path: path, Faces: []Face{}}
		res, err := p.ProcessFile(ctx, path)
		if err != nil {
			r.Error = err.Error()
		} else {
			r.Faces = res.Faces
		}
		t.Results[i] = r
	})
	for _, r := range t.Results {
		t.Faces += len(r.Faces)
	}
	all := make([]string, 0, t.Images)
	for range repeat {
		all = append(all, paths...)
	}
	start := time.Now()
	forEach(ctx, all, concurrency, func(_ int, path string) { _, _ = p.ProcessFile(ctx, path) })
	t.Seconds = time.Since(start).Seconds()
	if t.Seconds > 0 {
		t.ImagesPerSecond = float64(t.Images) / t.Seconds
	}
	return t, ctx.Err()
}

// forEach calls fn for every path, n at a time, and returns when all are done or ctx ends.
func forEach(ctx context.Context, paths []string, n int, fn func(i int, path string)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range max(n, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i, paths[i])
			}
		}()
	}
	for i := range paths {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
}
