package faces_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/mediafleet/mediafleet/inference/faces"
	"github.com/mediafleet/mediafleet/inference/ort"
	"github.com/rs/zerolog"
)

// Example shows what a worker does: one runtime and one pipeline per process, shared by
// every task; bad files are permanent errors.
func Example() {
	cache := filepath.Join(os.Getenv("HOME"), ".cache", "mediafleet")
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		cache = filepath.Join(d, "mediafleet")
	}
	rt, err := ort.Open(ort.Config{LibraryPath: os.Getenv("MEDIAFLEET_ORT_LIB")}, zerolog.Nop())
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close()
	p, err := faces.New(rt, faces.DefaultConfig(filepath.Join(cache, "models")), zerolog.Nop())
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()

	res, err := p.ProcessFile(context.Background(), filepath.Join(cache, "samples", "messi5.jpg"))
	if err != nil {
		log.Fatal(err)
	}
	f := res.Faces[0]
	fmt.Printf("%d face, %d-d embedding, version %s\n", len(res.Faces), len(f.Embedding), f.ModelVersion[:len("frfeat-v1")])

	_, err = p.ProcessFile(context.Background(), filepath.Join(cache, "samples", "no-such.jpg"))
	fmt.Println("permanent:", faces.IsPermanent(err))
	// Output:
	// 1 face, 512-d embedding, version frfeat-v1
	// permanent: true
}
