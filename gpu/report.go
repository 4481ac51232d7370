package gpu

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
)

// Report is what `mediafleet gpus` prints: whether NVML works, one sentence about it, and every
// GPU with its telemetry. It is meant to be encoded as JSON as is.
type Report struct {
	// Driver is true when NVML started.
	Driver bool `json:"driver"`
	// Message is one sentence for people: the GPU count, or why there are none.
	Message string `json:"message"`
	// Devices lists the GPUs; empty, never null, without a driver.
	Devices []DeviceInfo `json:"devices"`
}

// Describe builds the Report from what [Open] returned. No driver is a normal outcome: the
// Report says so and the error is nil (`mediafleet gpus` exits 0). An error is returned only
// when NVML started but listing the GPUs failed, or Open failed for another reason.
func Describe(ctx context.Context, p Provider, openErr error) (Report, error) {
	if openErr != nil {
		rep := Report{Message: openErr.Error(), Devices: []DeviceInfo{}}
		if errors.Is(openErr, ErrNoDriver) {
			return rep, nil
		}
		return rep, openErr
	}
	if p == nil {
		return Report{Message: ErrNoDriver.Error(), Devices: []DeviceInfo{}}, nil
	}
	devs, err := p.Devices(ctx)
	if err != nil {
		err = fmt.Errorf("NVML started but listing the GPUs failed: %w", err)
		return Report{Driver: true, Message: err.Error(), Devices: []DeviceInfo{}}, err
	}
	msg := fmt.Sprintf("%d NVIDIA GPUs found", len(devs))
	if len(devs) == 1 {
		msg = "1 NVIDIA GPU found"
	}
	return Report{Driver: true, Message: msg, Devices: devs}, nil
}

// WriteText prints the report for people: the message, then a table of GPUs if there are any.
func (r Report) WriteText(w io.Writer) error {
	if _, err := fmt.Fprintln(w, r.Message); err != nil || len(r.Devices) == 0 {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "INDEX\tUUID\tNAME\tPCI BUS\tMEMORY USED/TOTAL\tUTIL\tTEMP\tPOWER")
	for _, d := range r.Devices {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d/%d MiB\t%d%%\t%d C\t%.0f W\n", d.Index, d.UUID, d.Name, d.PCIBusID,
			d.MemoryUsed>>20, d.MemoryTotal>>20, d.UtilizationGPU, d.TemperatureC, d.PowerW)
	}
	return tw.Flush()
}
