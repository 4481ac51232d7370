package gpu

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type reserveResult struct {
	release func()
	err     error
}

func newTestAdmission(t *testing.T, freeMiB int64, cfg AdmissionConfig) (*Admission, *Fake, DeviceInfo) {
	t.Helper()
	d := FakeDevice(0, "NVIDIA T", 16384)
	f := NewFake(d)
	require.NoError(t, f.SetFree(d.UUID, freeMiB))
	cfg.Provider, cfg.UUID = f, d.UUID
	a, err := NewAdmission(cfg)
	require.NoError(t, err)
	return a, f, d
}

func TestAdmissionRefusesWhenShortThenAdmitsOnceMemoryFrees(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, f, d := newTestAdmission(t, 1000, AdmissionConfig{HeadroomMiB: 200, RetryAfter: 3 * time.Second})

	_, err := a.Reserve(ctx, 900)
	require.ErrorIs(t, err, ErrInsufficientVRAM)
	var ve *InsufficientVRAMError
	require.ErrorAs(t, err, &ve)
	require.Equal(t, 3*time.Second, ve.RetryAfter)
	require.Equal(t, int64(900), ve.NeedMiB)
	require.Equal(t, int64(1000), ve.Device.FreeMiB())
	require.Contains(t, err.Error(), d.UUID)
	require.Zero(t, a.ReservedMiB())

	require.NoError(t, f.SetFree(d.UUID, 1100)) // another process gave memory back
	release, err := a.Reserve(ctx, 900)
	require.NoError(t, err)
	require.Equal(t, int64(900), a.ReservedMiB())
	release()
	release() // a second call gives nothing back twice
	require.Zero(t, a.ReservedMiB())
}

func TestAdmissionCountsThisProcessReservations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, _, _ := newTestAdmission(t, 8000, AdmissionConfig{})

	r1, err := a.Reserve(ctx, 5000)
	require.NoError(t, err)
	_, err = a.Reserve(ctx, 4000)
	require.ErrorIs(t, err, ErrInsufficientVRAM, "8000 free but 5000 promised to a running task")
	r2, err := a.Reserve(ctx, 3000)
	require.NoError(t, err)
	r1()
	r3, err := a.Reserve(ctx, 4000)
	require.NoError(t, err)
	r2()
	r3()
	require.Zero(t, a.ReservedMiB())
}

func TestAdmissionWaitsForFreeMemory(t *testing.T) {
	t.Parallel()
	clock := newManualClock()
	a, f, d := newTestAdmission(t, 500, AdmissionConfig{MaxWait: time.Minute, PollInterval: time.Second, Clock: clock})

	done := make(chan reserveResult, 1)
	go func() {
		r, err := a.Reserve(context.Background(), 2000)
		done <- reserveResult{r, err}
	}()
	clock.awaitTimer(t)
	select {
	case res := <-done:
		t.Fatalf("Reserve returned while memory was short: %v", res.err)
	default:
	}

	require.NoError(t, f.SetFree(d.UUID, 3000))
	clock.Advance(time.Second)
	res := <-done
	require.NoError(t, res.err)
	require.Equal(t, int64(2000), a.ReservedMiB())
	res.release()
}

func TestAdmissionWaiterWakesOnRelease(t *testing.T) {
	t.Parallel()
	clock := newManualClock()
	a, _, _ := newTestAdmission(t, 6000, AdmissionConfig{MaxWait: time.Hour, PollInterval: time.Hour, Clock: clock})

	first, err := a.Reserve(context.Background(), 4000)
	require.NoError(t, err)
	done := make(chan reserveResult, 1)
	go func() {
		r, err := a.Reserve(context.Background(), 4000)
		done <- reserveResult{r, err}
	}()
	clock.awaitTimer(t)
	first() // no clock movement: the release itself must wake the waiter
	res := <-done
	require.NoError(t, res.err)
	res.release()
}

func TestAdmissionGivesUpAfterMaxWait(t *testing.T) {
	t.Parallel()
	clock := newManualClock()
	a, _, _ := newTestAdmission(t, 100, AdmissionConfig{MaxWait: 2 * time.Second, PollInterval: time.Second, Clock: clock})

	done := make(chan reserveResult, 1)
	go func() {
		r, err := a.Reserve(context.Background(), 2000)
		done <- reserveResult{r, err}
	}()
	for {
		clock.awaitTimer(t)
		clock.Advance(time.Second)
		select {
		case res := <-done:
			require.ErrorIs(t, res.err, ErrInsufficientVRAM)
			require.Equal(t, time.Date(2026, 1, 1, 0, 0, 2, 0, time.UTC), clock.Now(), "gave up at MaxWait")
			return
		case <-clock.armed: // polled again; put the token back for awaitTimer
			clock.armed <- struct{}{}
		}
	}
}

func TestAdmissionWaitEndsWithContext(t *testing.T) {
	t.Parallel()
	clock := newManualClock()
	a, _, _ := newTestAdmission(t, 100, AdmissionConfig{MaxWait: time.Hour, Clock: clock})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := a.Reserve(ctx, 2000)
		done <- err
	}()
	clock.awaitTimer(t)
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
}

func TestAdmissionRefusesTaskLargerThanGPU(t *testing.T) {
	t.Parallel()
	a, _, _ := newTestAdmission(t, 16384, AdmissionConfig{HeadroomMiB: 1024, MaxWait: time.Hour})
	_, err := a.Reserve(context.Background(), 16000)
	require.ErrorIs(t, err, ErrTaskExceedsGPU)
	require.NotErrorIs(t, err, ErrInsufficientVRAM)
	_, err = a.Reserve(context.Background(), -1)
	require.Error(t, err)
}

func TestAdmissionPassesProviderFailureOn(t *testing.T) {
	t.Parallel()
	a, f, _ := newTestAdmission(t, 16384, AdmissionConfig{})
	lost := errors.New("GPU is lost")
	f.SetError(lost)
	_, err := a.Reserve(context.Background(), 10)
	require.ErrorIs(t, err, lost)
}

func TestNilAdmissionAdmitsEverything(t *testing.T) {
	t.Parallel()
	var a *Admission
	release, err := a.Reserve(context.Background(), 1<<40)
	require.NoError(t, err)
	release()
	require.Zero(t, a.ReservedMiB())
	_, err = NewAdmission(AdmissionConfig{})
	require.Error(t, err)
}

func TestAdmissionNeverOverCommitsUnderConcurrency(t *testing.T) {
	t.Parallel()
	const freeMiB, need = 10000, 1500
	a, _, _ := newTestAdmission(t, freeMiB, AdmissionConfig{MaxWait: time.Minute, PollInterval: time.Millisecond})

	var held, peak atomic.Int64
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			release, err := a.Reserve(context.Background(), need)
			if err != nil {
				t.Error(err)
				return
			}
			now := held.Add(need)
			for p := peak.Load(); now > p && !peak.CompareAndSwap(p, now); p = peak.Load() {
			}
			time.Sleep(time.Millisecond)
			held.Add(-need)
			release()
		})
	}
	wg.Wait()
	require.LessOrEqual(t, peak.Load(), int64(freeMiB))
	require.GreaterOrEqual(t, peak.Load(), int64(need))
	require.Zero(t, a.ReservedMiB())
}

// TestCheckFitsRefusesNeedAboveCard: a queue needing more than the card minus headroom is an
// error naming the queue; needs that fit pass.
func TestCheckFitsRefusesNeedAboveCard(t *testing.T) {
	dev := FakeDevice(0, "NVIDIA T4", 16384)
	require.NoError(t, CheckFits(dev, 256, map[string]int64{"faces": 1024}))
	require.NoError(t, CheckFits(dev, 256, map[string]int64{"faces": 16128}))
	err := CheckFits(dev, 256, map[string]int64{"faces": 16129, "captions": 512})
	require.ErrorContains(t, err, "queue faces: vram_mib 16129")
	require.NotContains(t, err.Error(), "captions")
}

// TestTrialAdmission: on a 4 GiB card with 2.5 GiB free, two of four 1 GiB tasks fit (256 MiB
// headroom), the third is refused and admitted once the first ends; nothing stays reserved.
func TestTrialAdmission(t *testing.T) {
	dev := FakeDevice(0, "NVIDIA T", 4096)
	fake := NewFake(dev)
	require.NoError(t, fake.SetFree(dev.UUID, 2560))
	adm, err := NewAdmission(AdmissionConfig{Provider: fake, UUID: dev.UUID, HeadroomMiB: 256})
	require.NoError(t, err)
	steps := TrialAdmission(context.Background(), fake, adm, dev.UUID, 1024, 4)
	var admitted []bool
	for _, s := range steps {
		admitted = append(admitted, s.Admitted)
	}
	require.Equal(t, []bool{true, true, false, false, true}, admitted)
	require.Equal(t, 3, steps[4].Task)
	require.Contains(t, steps[2].Reason, "needs 1024 MiB")
	require.Zero(t, adm.ReservedMiB())
}
