// Command benchreport runs mediafleet's benchmarks and writes BENCHMARKS.md: each figure beside
// the baseline measured in the same run, the ratio, the goal it is held to and, where one
// exists, the physical limit, on a described machine and date.
//
//	go run ./internal/tools/benchreport [-o BENCHMARKS.md] [-benchtime 5x] [-bench REGEXP] [packages]
//
// It exits 1 when a benchmark fails to run, 0 otherwise; goals that are missed are reported in
// the file, not as a failure, since they are measurements of a machine.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// defaultPackages are the packages with benchmarks the report covers.
var defaultPackages = []string{"./enqueuer/", "./worker/...", "./inference/...", "./catalog/...", "./gpu/", "./cmd/mediafleet/"}

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("benchreport", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "BENCHMARKS.md", "the report to write")
	benchtime := fs.String("benchtime", "5x", "go test -benchtime")
	bench := fs.String("bench", ".", "go test -bench")
	from := fs.String("from", "", "read `go test -bench -json` output from this file instead of running the benchmarks")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	pkgs := fs.Args()
	if len(pkgs) == 0 {
		pkgs = defaultPackages
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	m := describeMachine(ctx)
	start := time.Now()
	var stream io.Reader
	var wait func() error
	if *from != "" {
		b, err := os.ReadFile(*from)
		if err != nil {
			fmt.Fprintln(stderr, "benchreport:", err)
			return 2
		}
		stream, wait = bytes.NewReader(b), func() error { return nil }
	} else {
		goArgs := append([]string{"test", "-run", "^$", "-bench", *bench, "-benchtime", *benchtime, "-timeout", "60m", "-json"}, pkgs...)
		fmt.Fprintf(stderr, "benchreport: go %s\n", strings.Join(goArgs, " "))
		cmd := exec.CommandContext(ctx, "go", goArgs...)
		cmd.Stderr = stderr
		pipe, err := cmd.StdoutPipe()
		if err != nil {
			fmt.Fprintln(stderr, "benchreport:", err)
			return 2
		}
		if err := cmd.Start(); err != nil {
			fmt.Fprintln(stderr, "benchreport: go test:", err)
			return 2
		}
		stream, wait = pipe, cmd.Wait
	}
	results, failures := parse(stream, stderr)
	runErr := wait()
	took := time.Since(start)

	var buf bytes.Buffer
	writeReport(&buf, m, start, took, *benchtime, results, failures)
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		fmt.Fprintln(stderr, "benchreport:", err)
		return 2
	}
	fmt.Fprintf(stdout, "benchreport: wrote %s (%d benchmarks, %d goals met of %d)\n", *out, len(results),
		countMet(results), countGoals(results))
	if runErr != nil || len(failures) > 0 {
		fmt.Fprintf(stderr, "benchreport: some benchmarks failed: %v %s\n", runErr, strings.Join(failures, ", "))
		return 1
	}
	return 0
}

// event is one line of `go test -json`.
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

// result is one benchmark's line: its name (without the -GOMAXPROCS suffix) and metrics.
type result struct {
	Package string
	Name    string
	Metrics map[string]float64
}

// parse collects every benchmark result line of a `go test -bench -json` stream, and the
// packages or benchmarks that failed. Output is echoed to progress as it comes.
func parse(r io.Reader, progress io.Writer) (map[string]result, []string) {
	results := map[string]result{}
	var failures []string
	pending := map[string]string{} // partial output lines per package
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e event
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue
		}
		switch e.Action {
		case "output":
			text := pending[e.Package] + e.Output
			lines := strings.Split(text, "\n")
			pending[e.Package] = lines[len(lines)-1]
			for _, l := range lines[:len(lines)-1] {
				if res, ok := parseLine(e.Package, l); ok {
					results[res.Name] = res
					fmt.Fprintln(progress, l)
				}
			}
		case "fail":
			name := e.Package
			if e.Test != "" {
				name += " " + e.Test
			}
			failures = append(failures, name)
		}
	}
	return results, failures
}

// parseLine reads "BenchmarkX/sub-2   5   123 ns/op   4.5 x_bare".
func parseLine(pkg, line string) (result, bool) {
	f := strings.Fields(line)
	if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
		return result{}, false
	}
	name := f[0]
	if i := strings.LastIndexByte(name, '-'); i > 0 && isDigits(name[i+1:]) {
		name = name[:i]
	}
	res := result{Package: pkg, Name: name, Metrics: map[string]float64{}}
	for i := 2; i+1 < len(f); i += 2 {
		var v float64
		if _, err := fmt.Sscan(f[i], &v); err != nil {
			return result{}, false
		}
		res.Metrics[f[i+1]] = v
	}
	return res, true
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
