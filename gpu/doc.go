// Package gpu finds the NVIDIA GPUs of a worker machine, pins a worker to one of them, and keeps
// the worker's tasks within that GPU's free memory.
//
// Discovery goes through NVML (github.com/NVIDIA/go-nvml), which loads libnvidia-ml at run time.
// On a machine without the NVIDIA driver [Open] returns [ErrNoDriver] after one failed nvmlInit and
// makes no other NVML call, ever: calling any other NVML function after a failed init kills the
// process. Such a worker runs in CPU-only mode. Code that needs a device without NVML (tests in
// this and other packages) uses [Fake], which implements the same [Provider] interface.
//
// Pinning: [Resolve] turns a --gpu value ("0", "GPU-<uuid>", "auto", "cpu" or "") into one
// [DeviceInfo]. NVML indexes are the ones nvidia-smi shows. CUDA numbers devices differently (by
// speed, unless CUDA_DEVICE_ORDER=PCI_BUS_ID), so mediafleet never passes an NVML index to CUDA:
// [PinProcess] sets CUDA_DEVICE_ORDER=PCI_BUS_ID and CUDA_VISIBLE_DEVICES=<uuid> in this process's
// environment before any CUDA library starts, after which the pinned GPU is CUDA ordinal 0 (the
// device_id to give ONNX Runtime's CUDA provider); [ChildEnv] gives the same variables for child
// processes. [CUDAOrdinal] computes the ordinal for a process that must see every GPU.
//
// VRAM admission: [Admission] admits a task only when the pinned GPU's free memory, less what this
// process's running tasks have already reserved, covers the task's need; otherwise it returns an
// [InsufficientVRAMError] (errors.Is [ErrInsufficientVRAM]) with a short retry delay, or waits up
// to a bound. [IsCUDAOutOfMemory] recognises CUDA and ONNX Runtime out-of-memory errors, and
// [Recoverer] rebuilds an inference session after one and retries the task once.
//
// The worker's policy: [NewSetup] decides, from the queues configured for a GPU and --gpu, whether
// the worker pins a GPU, falls back to the CPU (no driver, unless required) or refuses to start
// (no such GPU, a queue needing more memory than the card, a GPU required and absent); the
// [Setup] it returns tells where each queue runs and wraps each model run in admission and
// out-of-memory recovery ([Setup.Guard]).
//
// [Describe] builds the report that `mediafleet gpus` prints.
package gpu
