package gpu_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/mediafleet/mediafleet/gpu"
)

// A worker pins its GPU, then admits each task against the GPU's free memory.
func Example() {
	ctx := context.Background()
	fake := gpu.NewFake(gpu.FakeDevice(0, "NVIDIA L4", 23034)) // what gpu.Open returns on a GPU machine
	_ = fake.SetFree(gpu.FakeDevice(0, "", 0).UUID, 3000)

	dev, err := gpu.Resolve(ctx, fake, "0")
	if err != nil {
		fmt.Println(err)
		return
	}
	ordinal, _ := gpu.CUDAOrdinal([]gpu.DeviceInfo{dev}, dev)
	fmt.Println("pinned", dev.Name, "CUDA ordinal", ordinal)

	adm, _ := gpu.NewAdmission(gpu.AdmissionConfig{Provider: fake, UUID: dev.UUID})
	release, err := adm.Reserve(ctx, 2000)
	fmt.Println("first task admitted:", err == nil)
	_, err = adm.Reserve(ctx, 2000)
	var short *gpu.InsufficientVRAMError
	if errors.As(err, &short) {
		fmt.Println("second task requeued for", short.RetryAfter)
	}
	release()
	// Output:
	// pinned NVIDIA L4 CUDA ordinal 0
	// first task admitted: true
	// second task requeued for 5s
}
