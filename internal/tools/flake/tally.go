package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
	// ImportPath names the package of build-output and build-fail events.
	ImportPath string
}

// result is what the runs of one test (or of a package as a whole) came to.
type result struct {
	pass, fail int
	// firstFailure is the output of the first failing run, kept to show the cause.
	firstFailure []string
}

// tally counts passes and failures per test across every run.
type tally struct {
	tests map[string]*result // "pkg TestName[/sub]"
	pkgs  map[string]*result // package-level outcome: a panic, a timeout or a build failure
	// out collects the output of the run under way of each test, until its pass or fail.
	out map[string][]string
}

func newTally() *tally {
	return &tally{tests: map[string]*result{}, pkgs: map[string]*result{}, out: map[string][]string{}}
}

// maxKept bounds the output kept per failure: the end of it tells the cause.
const maxKept = 40

func (t *tally) read(r io.Reader, progress io.Writer) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil {
			// Not an event (a build error printed by go test itself): keep it with no test.
			e = event{Action: "output", Output: string(line) + "\n"}
		}
		t.add(e, progress)
	}
	return sc.Err()
}

func (t *tally) add(e event, progress io.Writer) {
	switch e.Action {
	case "build-output":
		e = event{Action: "output", Package: buildKey(e.ImportPath), Output: e.Output}
	case "build-fail":
		e = event{Action: "fail", Package: buildKey(e.ImportPath)}
	}
	key := e.Package
	if e.Test != "" {
		key = e.Package + " " + e.Test
	}
	switch e.Action {
	case "output":
		lines := append(t.out[key], e.Output)
		if len(lines) > 4*maxKept {
			lines = lines[len(lines)-maxKept:]
		}
		t.out[key] = lines
	case "pass", "fail":
		m := t.tests
		if e.Test == "" {
			m = t.pkgs
		}
		r := m[key]
		if r == nil {
			r = &result{}
			m[key] = r
		}
		if e.Action == "pass" {
			r.pass++
		} else {
			r.fail++
			if r.firstFailure == nil {
				r.firstFailure = tail(t.out[key], maxKept)
			}
		}
		delete(t.out, key)
		if e.Test == "" && progress != nil {
			fmt.Fprintf(progress, "flake: %s %s after %.0fs\n", e.Action, e.Package, e.Elapsed)
		}
	}
}

// buildKey names a package's build in the report: "pkg [pkg.test]" becomes "pkg (build)".
func buildKey(importPath string) string {
	p, _, _ := strings.Cut(importPath, " ")
	return p + " (build)"
}

func tail(lines []string, n int) []string {
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return append([]string(nil), lines...)
}

// failed tells whether any test or package failed in any run.
func (t *tally) failed() bool {
	for _, m := range []map[string]*result{t.tests, t.pkgs} {
		for _, r := range m {
			if r.fail > 0 {
				return true
			}
		}
	}
	return false
}

// report prints one line per failing test (fails/runs), the first failure's output of each,
// and a summary of every package's runs.
func (t *tally) report(w io.Writer, took time.Duration) {
	var failing []string
	for k, r := range t.tests {
		if r.fail > 0 {
			failing = append(failing, k)
		}
	}
	sort.Strings(failing)
	for _, k := range failing {
		r := t.tests[k]
		fmt.Fprintf(w, "FLAKY %s: failed %d of %d runs\n", k, r.fail, r.fail+r.pass)
	}
	for _, k := range failing {
		fmt.Fprintf(w, "\n--- first failure of %s:\n%s", k, strings.Join(t.tests[k].firstFailure, ""))
	}

	var pkgs []string
	for k := range t.pkgs {
		pkgs = append(pkgs, k)
	}
	sort.Strings(pkgs)
	fmt.Fprintf(w, "\n%-60s %6s %6s %6s\n", "package", "tests", "runs", "failed")
	runs, fails := 0, 0
	for _, p := range pkgs {
		n, r, f := t.pkgSummary(p)
		runs += r
		fails += f
		status := ""
		if pr := t.pkgs[p]; pr.fail > 0 && f == 0 {
			status = "  (the package failed outside any test: see below)"
		}
		fmt.Fprintf(w, "%-60s %6d %6d %6d%s\n", p, n, r, f, status)
	}
	fmt.Fprintf(w, "%d test runs, %d failed, in %s\n", runs, fails, took.Round(time.Second))
	for _, p := range pkgs {
		if pr := t.pkgs[p]; pr.fail > 0 {
			if _, _, f := t.pkgSummary(p); f == 0 {
				fmt.Fprintf(w, "\n--- %s failed outside any test:\n%s", p, strings.Join(pr.firstFailure, ""))
			}
		}
	}
}

// pkgSummary counts a package's distinct tests, their runs and their failed runs.
func (t *tally) pkgSummary(pkg string) (tests, runs, fails int) {
	for k, r := range t.tests {
		if strings.HasPrefix(k, pkg+" ") {
			tests++
			runs += r.pass + r.fail
			fails += r.fail
		}
	}
	return
}
