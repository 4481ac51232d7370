// Command plannermem plans a generated JSON-lines catalog of -n photos against a real SQLite
// store (a dry run: no Redis) and prints, as JSON, the assets planned and the peak of the heap
// while it ran. The enqueuer's memory test and benchmark build it without the race detector and
// run it in a process of its own, so nothing else shares the heap it measures.
package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/metrics"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/mediafleet/mediafleet/catalog"
	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/enqueuer"
	"github.com/mediafleet/mediafleet/tasks"
)

func main() {
	n := flag.Int("n", 300_000, "photos in the catalog")
	dir := flag.String("dir", "", "folder for the catalog and the store (default: a temporary one)")
	flag.Parse()
	if err := run(*n, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "plannermem:", err)
		os.Exit(1)
	}
}

func run(n int, dir string) error {
	if dir == "" {
		d, err := os.MkdirTemp("", "plannermem")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	path := filepath.Join(dir, "catalog.jsonl")
	if err := writeCatalog(path, n); err != nil {
		return err
	}
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "results.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	src, err := catalog.Open("jsonl:"+path, catalog.PathMap{}, zerolog.Nop())
	if err != nil {
		return err
	}

	var peak atomic.Uint64
	sample := func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		metrics.Read(s)
		if v := s[0].Value.Uint64(); v > peak.Load() {
			peak.Store(v)
		}
	}
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				sample()
			}
		}
	}()
	versions := map[tasks.Kind]string{tasks.Faces: "fr1", tasks.Captions: "cap1"}
	e, err := enqueuer.New(nil, st, enqueuer.Options{Kinds: []tasks.Kind{tasks.Faces, tasks.Captions}, DryRun: true,
		Versions: versions, Task: map[tasks.Kind]tasks.Options{}, Progress: func(enqueuer.Summary) { sample() }})
	if err != nil {
		return err
	}
	start := time.Now()
	s, err := e.Run(ctx, src)
	close(stop)
	sample()
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{"assets": s.Assets, "tasks": s.Enqueued,
		"peak_heap_bytes": peak.Load(), "seconds": time.Since(start).Seconds()})
}

func writeCatalog(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for i := range n {
		h := sha256.Sum256([]byte(fmt.Sprint(i)))
		fmt.Fprintf(w, `{"path":"/library/%04d/IMG_%07d.jpg","sha256":"%s"}`+"\n", i/1000, i, hex.EncodeToString(h[:]))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}
