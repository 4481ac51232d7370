package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// machine is what the report says of the computer it ran on.
type machine struct {
	CPU, OS, Load   string
	Cores           int
	MemGiB          float64
	Go, Redis, FFmp string
}

func (m machine) String() string {
	return fmt.Sprintf("%d cores (%s), %.0f GiB, %s, %s, Redis %s, %s; load average at start %s",
		m.Cores, m.CPU, m.MemGiB, m.OS, m.Go, m.Redis, m.FFmp, m.Load)
}

func describeMachine(ctx context.Context) machine {
	m := machine{Cores: runtime.NumCPU(), Go: runtime.Version(), CPU: "unknown CPU", OS: runtime.GOOS}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb float64
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "MemTotal:") {
				fmt.Sscan(strings.TrimPrefix(l, "MemTotal:"), &kb)
			}
		}
		m.MemGiB = kb / (1 << 20)
	}
	if b, err := os.ReadFile("/etc/os-release"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "PRETTY_NAME="); ok {
				m.OS = strings.Trim(v, `"`)
			}
		}
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		m.Load = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	m.Redis = firstWord(ctx, "v=", "redis-server", "--version")
	m.FFmp = firstLine(ctx, "ffmpeg", "-version")
	return m
}

// firstLine is the first line a command prints, "unknown" when it cannot run.
func firstLine(ctx context.Context, name string, args ...string) string {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).Output()
	if err != nil {
		return name + " unknown"
	}
	l, _, _ := strings.Cut(string(out), "\n")
	if i := strings.Index(l, " Copyright"); i > 0 {
		l = l[:i]
	}
	return strings.TrimSpace(l)
}

// firstWord finds the word starting with prefix in a command's first line, without the prefix.
func firstWord(ctx context.Context, prefix, name string, args ...string) string {
	for _, w := range strings.Fields(firstLine(ctx, name, args...)) {
		if v, ok := strings.CutPrefix(w, prefix); ok {
			return v
		}
	}
	return "unknown"
}
