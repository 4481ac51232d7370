// Package tasks is the contract between the enqueuer and the workers: the three kinds of work
// (keyframes, faces, captions), their asynq type names, typed payloads, queue names with an
// optional prefix, the stable TaskID scheme and payload validation. Nothing here talks to Redis.
//
// A TaskID is "<kind>:<asset key>[:<frame>]:<model version>". It stays the same when the enqueuer
// runs again over an unchanged catalog (so asynq refuses the duplicate) and changes when the file
// (its content hash, or its path, size and mtime) or the model version changes.
package tasks
