// Package enqueuer turns a media catalog into asynq tasks: it streams the assets of a
// catalog.Source, plans the work per asset (videos: keyframes; photos: faces and captions), skips
// what the results store already holds for the same model version, and enqueues the rest with
// stable TaskIDs from many goroutines, so a re-run over an unchanged catalog adds nothing.
//
// A run can keep each queue's backlog bounded (Options.MaxPending): Redis checks the room as it
// adds each task, and the run waits for the fleet while a queue is full. It stops, with a
// RedisFullError, before Redis reaches its maxmemory, since a full Redis refuses the workers'
// own writes too.
package enqueuer
