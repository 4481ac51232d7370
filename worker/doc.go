// Package worker drains mediafleet's queues. It runs one asynq.Server per configured queue, so
// each queue has its own concurrency limit (asynq has none per queue), wraps every handler in one
// adapter that decodes and validates the payload and maps errors in one place (permanent: archived
// at once with the reason; transient: retried with growing delays), logs every task with its id,
// type, queue and asset, and stops gracefully: on SIGTERM it stops fetching, lets in-flight tasks
// finish within a grace period and puts the rest back in their queue.
//
// [OpenFaces] loads the face models on the ONNX Runtime build and device that fit the worker's
// GPU (gpu.NewSetup); [OpenCaptions] opens the caption backend with its fleet's semaphore.
package worker
