package gpu

import (
	"context"
	"testing"
	"time"
)

// BenchmarkAdmissionReserve measures one Reserve plus release, and reports it as a ratio to a
// baseline measured in the same run: the bare provider read that Reserve makes.
func BenchmarkAdmissionReserve(b *testing.B) {
	ctx := context.Background()
	d := FakeDevice(0, "NVIDIA T", 16384)
	f := NewFake(d)
	a, err := NewAdmission(AdmissionConfig{Provider: f, UUID: d.UUID})
	if err != nil {
		b.Fatal(err)
	}
	var base time.Duration
	for b.Loop() {
		start := time.Now()
		if _, err := f.Device(ctx, d.UUID); err != nil {
			b.Fatal(err)
		}
		base += time.Since(start)
		release, err := a.Reserve(ctx, 100)
		if err != nil {
			b.Fatal(err)
		}
		release()
	}
	reserve := b.Elapsed() - base
	b.ReportMetric(float64(reserve.Nanoseconds())/float64(b.N), "reserve_ns/op")
	b.ReportMetric(float64(reserve)/float64(base), "x_provider_read")
}
