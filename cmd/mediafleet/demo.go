package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/mediafleet/mediafleet/internal/cachedir"
	"github.com/mediafleet/mediafleet/internal/redisconn"
)

// demoSamples are the sample files the setup task puts in the cache.
var demoSamples = []string{"Megamind.avi", "vtest.avi", "messi5.jpg", "astronaut.png"}

func (a *app) demoCmd() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole fleet on the sample library: enqueue, drain with a worker, report",
		Long: `demo copies the sample media into a library folder, uses the Redis of MEDIAFLEET_REDIS_URL
(else 127.0.0.1:6379 if it answers, else a private redis-server with persistence on a free port),
enqueues the library, runs a worker until the queues are empty, prints the summary and where the
results are, shows that a second enqueue adds nothing, and stops what it started.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.setupLog(); err != nil {
				return err
			}
			return a.runDemo(cmd.Context(), dir)
		},
	}
	cmd.Flags().StringVar(&dir, "dir", ".mediafleet-demo", "folder for the demo's library, results and private Redis")
	return cmd
}

func (a *app) runDemo(ctx context.Context, dir string) error {
	dir, _ = filepath.Abs(dir)
	lib := filepath.Join(dir, "library")
	if err := os.MkdirAll(lib, 0o755); err != nil {
		return err
	}
	for _, name := range demoSamples {
		src := filepath.Join(cachedir.CacheDir(), "samples", name)
		if err := copyIfMissing(src, filepath.Join(lib, name)); err != nil {
			return fmt.Errorf("sample %s: %w (run `go tool task setup`)", name, err)
		}
	}
	redisURL := os.Getenv("MEDIAFLEET_REDIS_URL")
	if redisURL == "" {
		redisURL = "redis://127.0.0.1:6379/0"
		if redisconn.CheckRedis(ctx, redisURL) != nil {
			url, stop, err := startPrivateRedis(ctx, filepath.Join(dir, "redis"))
			if err != nil {
				return err
			}
			defer stop()
			redisURL = url
			fmt.Printf("started a private Redis at %s (data in %s)\n", url, filepath.Join(dir, "redis"))
		}
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	env := append(os.Environ(), "MEDIAFLEET_REDIS_URL="+redisURL, "MEDIAFLEET_DATA_DIR="+filepath.Join(dir, "data"),
		"MEDIAFLEET_QUEUE_PREFIX=demo", "MEDIAFLEET_MEDIA_ROOTS="+dir)
	run := func(args ...string) error {
		fmt.Printf("\n$ mediafleet %s\n", joinArgs(args))
		c := exec.CommandContext(ctx, self, args...)
		c.Env, c.Stdout, c.Stderr = env, os.Stdout, os.Stderr
		return c.Run()
	}
	catalogSpec := "dir:" + lib
	steps := [][]string{
		{"enqueue", "--catalog", catalogSpec},
		{"worker", "--until-empty", "--queues", "keyframes=2,faces=2,captions=1,persons=1", "--log-level", "warn"},
		{"status"},
		{"persons", "list"},
		{"show", filepath.Join(lib, "Megamind.avi")},
		{"show", filepath.Join(lib, "messi5.jpg")},
		{"enqueue", "--catalog", catalogSpec},
	}
	for _, s := range steps {
		if err := run(s...); err != nil {
			return fmt.Errorf("mediafleet %s: %w", joinArgs(s), err)
		}
	}
	fmt.Printf("\nResults: store %s, keyframes under %s\n", filepath.Join(dir, "data", "mediafleet.db"), filepath.Join(dir, "data", "keyframes"))
	fmt.Println("Watch the queues with: MEDIAFLEET_REDIS_URL=" + redisURL + " MEDIAFLEET_QUEUE_PREFIX=demo mediafleet dashboard")
	return nil
}

func joinArgs(args []string) string {
	s := ""
	for i, a := range args {
		if i > 0 {
			s += " "
		}
		s += a
	}
	return s
}

func copyIfMissing(src, dst string) error {
	if st, err := os.Stat(dst); err == nil && st.Size() > 0 {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst + ".part")
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Rename(dst+".part", dst)
}

// startPrivateRedis runs redis-server with append-only persistence on a free loopback port
// and returns its URL and a func that stops it.
func startPrivateRedis(ctx context.Context, dir string) (string, func(), error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return "", nil, errors.New("no Redis answers and redis-server is not installed: run `go tool task setup` or set MEDIAFLEET_REDIS_URL")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	c := exec.Command(bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--dir", dir,
		"--appendonly", "yes", "--save", "", "--daemonize", "no")
	c.Stdout, c.Stderr = io.Discard, os.Stderr
	if err := c.Start(); err != nil {
		return "", nil, err
	}
	stop := func() { _ = c.Process.Signal(os.Interrupt); _ = c.Wait() }
	url := fmt.Sprintf("redis://127.0.0.1:%d/0", port)
	deadline := time.Now().Add(10 * time.Second)
	for redisconn.CheckRedis(ctx, url) != nil {
		if time.Now().After(deadline) {
			stop()
			return "", nil, fmt.Errorf("redis-server on port %d did not answer within 10 s", port)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return url, stop, nil
}
