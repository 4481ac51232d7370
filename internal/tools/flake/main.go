// Command flake hunts flaky tests: it runs packages' tests many times under the race detector,
// with GOMAXPROCS varied and the machine loaded by CPU-burning neighbours, and prints every test
// that failed with how often, beside the output of its first failure.
//
//	go run ./internal/tools/flake [-count 20] [-cpu 1,2] [-load 2] [-run REGEXP] [packages]
//
// It exits 1 when any test failed in any run, 2 when it could not run at all.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command's flags.
type options struct {
	count   int
	cpu     string
	load    int
	run     string
	timeout time.Duration
	race    bool
	verbose bool
	pkgs    []string
}

func parse(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("flake", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.count, "count", 20, "runs of each test per -cpu setting")
	fs.StringVar(&o.cpu, "cpu", "1,2", "GOMAXPROCS settings, each run -count times (go test -cpu)")
	fs.IntVar(&o.load, "load", runtime.NumCPU(), "CPU-burning goroutines running beside the tests (0: none)")
	fs.StringVar(&o.run, "run", "", "only tests matching this regular expression (go test -run)")
	fs.DurationVar(&o.timeout, "timeout", 3*time.Hour, "limit for each package's whole series of runs")
	fs.BoolVar(&o.race, "race", true, "run under the race detector")
	fs.BoolVar(&o.verbose, "v", false, "print each package as it finishes")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: flake [flags] [packages]   (default packages: ./...)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.count < 1 {
		return o, fmt.Errorf("-count %d: want at least 1", o.count)
	}
	o.pkgs = fs.Args()
	if len(o.pkgs) == 0 {
		o.pkgs = []string{"./..."}
	}
	return o, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parse(args, stderr)
	if err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		fmt.Fprintln(stderr, "flake:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	stopLoad := burn(o.load)
	defer stopLoad()

	gotest := []string{"test", "-json", "-count", fmt.Sprint(o.count), "-cpu", o.cpu,
		"-timeout", o.timeout.String()}
	if o.race {
		gotest = append(gotest, "-race")
	}
	if o.run != "" {
		gotest = append(gotest, "-run", o.run)
	}
	gotest = append(gotest, o.pkgs...)
	fmt.Fprintf(stderr, "flake: go %s (with %d CPU burners)\n", strings.Join(gotest, " "), o.load)

	cmd := exec.CommandContext(ctx, "go", gotest...)
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(stderr, "flake:", err)
		return 2
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(stderr, "flake: go test:", err)
		return 2
	}
	t := newTally()
	var progress io.Writer
	if o.verbose {
		progress = stderr
	}
	readErr := t.read(out, progress)
	waitErr := cmd.Wait()
	if readErr != nil {
		fmt.Fprintln(stderr, "flake: reading go test output:", readErr)
		return 2
	}
	t.report(stdout, time.Since(start))
	switch {
	case ctx.Err() != nil:
		fmt.Fprintln(stderr, "flake: interrupted; the figures above are partial")
		return 2
	case t.failed():
		return 1
	case waitErr != nil:
		// go test failed without a failing test or package in its output: a build error.
		fmt.Fprintln(stderr, "flake: go test:", waitErr)
		return 2
	}
	return 0
}

// burn starts n goroutines that keep a CPU busy each, the noisy neighbour a CI machine has, and
// returns the function that stops them.
func burn(n int) func() {
	done := make(chan struct{})
	for i := 0; i < n; i++ {
		go func() {
			x := uint64(i) + 1
			for {
				select {
				case <-done:
					return
				default:
				}
				for j := 0; j < 1<<16; j++ {
					x ^= x << 13
					x ^= x >> 7
					x ^= x << 17
				}
			}
		}()
	}
	return func() { close(done) }
}
