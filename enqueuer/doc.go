// Package enqueuer turns a media catalog into asynq tasks: it streams the assets of a
// catalog.Source, plans the work per asset (videos: keyframes; photos: faces and captions), skips
// what the results store already holds for the same model version, and enqueues the rest with
// stable TaskIDs from many goroutines, so a re-run over an unchanged catalog adds nothing.
package enqueuer
