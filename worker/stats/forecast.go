package stats

import (
	"context"
	"fmt"
	"time"
)

// DefaultWindowMinutes is how many minutes of history throughput is measured over.
const DefaultWindowMinutes = 5

// Forecast is one queue's recent throughput and when its backlog will be done at that pace.
type Forecast struct {
	Queue string `json:"queue"`
	// Window is the span the throughput was measured over.
	Window time.Duration `json:"window_ns"`
	// PerMinute counts tasks finished (succeeded or failed) per minute over Window.
	PerMinute float64 `json:"per_minute"`
	// Backlog is the work still to do: pending, active, scheduled and retry tasks.
	Backlog int `json:"backlog"`
	// Known is false when there is a backlog but nothing finished within Window.
	Known bool `json:"eta_known"`
	// ETA is how long the backlog takes at PerMinute; DoneAt is now plus ETA.
	ETA    time.Duration `json:"eta_ns"`
	DoneAt time.Time     `json:"done_at"`
}

// ETAText is the ETA for people: "done", "unknown", or a rounded duration such as "19m30s".
func (f Forecast) ETAText() string {
	switch {
	case f.Backlog == 0:
		return "done"
	case !f.Known:
		return "unknown"
	case f.ETA >= time.Hour:
		return f.ETA.Round(time.Minute).String()
	default:
		return f.ETA.Round(time.Second).String()
	}
}

// RateText is the throughput for people, e.g. "20.0/min".
func (f Forecast) RateText() string { return fmt.Sprintf("%.1f/min", f.PerMinute) }

// Forecaster computes every throughput and ETA that `mediafleet status` and the dashboard
// show, from the fleet's per-minute tallies and one clock.
type Forecaster struct {
	counter *Counter
	now     Clock
	minutes int
}

// NewForecaster returns a Forecaster over counter, which must read the same clock as now
// (nil: time.Now), measuring over the last minutes (DefaultWindowMinutes when <= 0).
func NewForecaster(counter *Counter, now Clock, minutes int) *Forecaster {
	if now == nil {
		now = time.Now
	}
	if minutes <= 0 {
		minutes = DefaultWindowMinutes
	}
	return &Forecaster{counter: counter, now: now, minutes: minutes}
}

// Minutes is the window the Forecaster measures over.
func (f *Forecaster) Minutes() int { return f.minutes }

// Forecast measures queue's throughput and projects when a backlog of that many tasks is done.
func (f *Forecaster) Forecast(ctx context.Context, queue string, backlog int) (Forecast, error) {
	r, err := f.counter.Rate(ctx, queue, f.minutes)
	if err != nil {
		return Forecast{}, err
	}
	out := Forecast{Queue: queue, Window: r.Window, PerMinute: r.PerMinute, Backlog: backlog}
	out.ETA, out.Known = ETA(backlog, r)
	if out.Known {
		out.DoneAt = f.now().Add(out.ETA)
	}
	return out, nil
}
