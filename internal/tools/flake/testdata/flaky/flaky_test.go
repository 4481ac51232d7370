// Package flaky holds a test that fails every other run, for the flake command's own test.
package flaky

import "testing"

var runs int

func TestEveryOtherRun(t *testing.T) {
	runs++
	if runs%2 == 0 {
		t.Fatal("failed on an even run")
	}
}

func TestSteady(t *testing.T) {}
