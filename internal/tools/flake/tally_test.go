package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A stream as `go test -json -count 2` writes it: TestA passes twice, TestB/sub fails once, and
// package q panics outside any test.
const stream = `{"Action":"run","Package":"m/p","Test":"TestA"}
{"Action":"output","Package":"m/p","Test":"TestA","Output":"=== RUN   TestA\n"}
{"Action":"pass","Package":"m/p","Test":"TestA","Elapsed":0.1}
{"Action":"run","Package":"m/p","Test":"TestB"}
{"Action":"run","Package":"m/p","Test":"TestB/sub"}
{"Action":"output","Package":"m/p","Test":"TestB/sub","Output":"    b_test.go:9: fake server: body is not JSON\n"}
{"Action":"fail","Package":"m/p","Test":"TestB/sub","Elapsed":0.2}
{"Action":"fail","Package":"m/p","Test":"TestB","Elapsed":0.2}
{"Action":"run","Package":"m/p","Test":"TestA"}
{"Action":"pass","Package":"m/p","Test":"TestA","Elapsed":0.1}
{"Action":"run","Package":"m/p","Test":"TestB"}
{"Action":"run","Package":"m/p","Test":"TestB/sub"}
{"Action":"pass","Package":"m/p","Test":"TestB/sub","Elapsed":0.2}
{"Action":"pass","Package":"m/p","Test":"TestB","Elapsed":0.2}
{"Action":"fail","Package":"m/p","Elapsed":1}
{"Action":"output","Package":"m/q","Output":"panic: boom\n"}
{"Action":"fail","Package":"m/q","Elapsed":1}
{"Action":"run","Package":"m/r","Test":"TestC"}
{"Action":"pass","Package":"m/r","Test":"TestC","Elapsed":0.1}
{"Action":"pass","Package":"m/r","Elapsed":1}
`

func TestTallyCountsFailuresPerTest(t *testing.T) {
	tl := newTally()
	require.NoError(t, tl.read(strings.NewReader(stream), nil))
	require.True(t, tl.failed())
	require.Equal(t, 2, tl.tests["m/p TestA"].pass)
	require.Equal(t, 1, tl.tests["m/p TestB/sub"].fail)
	require.Equal(t, 1, tl.tests["m/p TestB/sub"].pass)

	var out bytes.Buffer
	tl.report(&out, time.Second)
	s := out.String()
	require.Contains(t, s, "FLAKY m/p TestB/sub: failed 1 of 2 runs")
	require.Contains(t, s, "FLAKY m/p TestB: failed 1 of 2 runs")
	require.NotContains(t, s, "FLAKY m/p TestA")
	require.Contains(t, s, "body is not JSON", "the first failure's output is shown")
	require.Contains(t, s, "m/q failed outside any test")
	require.Contains(t, s, "panic: boom")
}

func TestTallyAllPassed(t *testing.T) {
	tl := newTally()
	require.NoError(t, tl.read(strings.NewReader(`{"Action":"pass","Package":"m/r","Test":"TestC"}
{"Action":"pass","Package":"m/r"}
`), nil))
	require.False(t, tl.failed())
}

// TestRunFindsAFlake runs the command on a package whose test fails every other run.
func TestRunFindsAFlake(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"-count", "4", "-cpu", "1", "-load", "1", "-race=false", "./testdata/flaky"}, &out, &errOut)
	require.Equal(t, 1, code, "stderr: %s", errOut.String())
	require.Contains(t, out.String(), "TestEveryOtherRun: failed 2 of 4 runs")
	require.NotContains(t, out.String(), "TestSteady")
}

func TestRunReportsABuildFailure(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"-count", "1", "-cpu", "1", "-load", "0", "-race=false", "./testdata/broken"}, &out, &errOut)
	require.Equal(t, 1, code, "stderr: %s", errOut.String())
	require.Contains(t, out.String(), "failed outside any test")
	require.Contains(t, out.String()+errOut.String(), "undefined")
}
