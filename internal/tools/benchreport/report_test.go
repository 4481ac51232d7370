package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestReportSaysByHowMuchAGoalIsMissed: a met goal reads "yes", a missed one the factor the
// ratio must improve by, and a benchmark that did not run "not run".
func TestReportSaysByHowMuchAGoalIsMissed(t *testing.T) {
	results := map[string]result{
		"BenchmarkDrain":         {Name: "BenchmarkDrain", Metrics: map[string]float64{"tasks/s": 600, "bare_tasks/s": 1000, "x_vs_bare": 0.6}},
		"BenchmarkKeyframesTask": {Name: "BenchmarkKeyframesTask", Metrics: map[string]float64{"task_s/op": 1.2, "bare_s/op": 1, "x_bare": 1.2}},
		"BenchmarkEnqueueFolder": {Name: "BenchmarkEnqueueFolder", Metrics: map[string]float64{"tasks/s": 1000, "loop_tasks/s": 250, "x_vs_loop": 4, "limit_tasks/s": 2600, "limit_x": 2.6}},
	}
	var buf bytes.Buffer
	writeReport(&buf, machine{}, time.Unix(0, 0), time.Second, "1x", results, nil)
	out := buf.String()
	row := func(bench, title string) string {
		for line := range strings.Lines(out) {
			if strings.Contains(line, "`"+bench+"`") && strings.Contains(line, title) {
				return line
			}
		}
		t.Fatalf("no row for %s (%s) in:\n%s", bench, title, out)
		return ""
	}
	for _, c := range []struct{ bench, title, want string }{
		{"BenchmarkDrain", "No-op drain", "| no, 1.50x short |"},
		{"BenchmarkKeyframesTask", "Keyframes", "| yes |"},
		{"BenchmarkEnqueueFolder", "plain", "| no, 1.50x short |"},
		{"BenchmarkEnqueueFolder", "against the limit", "| no, 1.30x over |"},
	} {
		if got := row(c.bench, c.title); !strings.Contains(got, c.want) {
			t.Errorf("%s row %q: want %q", c.bench, got, c.want)
		}
	}
	if !strings.Contains(out, "| Worker RSS over 10,000 faces tasks (flat) | — | not run |") {
		t.Errorf("a benchmark that did not run is not marked:\n%s", out)
	}
}
