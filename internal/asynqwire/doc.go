// Package asynqwire holds everything in mediafleet that depends on asynq's internal Redis
// format rather than on asynq's API: the key names, the TaskMessage encoding, the script
// that enqueues many pending tasks of one queue in one call, and the script that puts a dead
// worker's active task back in its queue (RequeueOrphan). asynq v0.26.0 enqueues one task
// per round trip and has no batch call, so a bulk backlog needs these writes made by hand.
//
// The format is asynq's own and may change in any release. The package's tests compare the
// bytes it writes with what asynq.Client writes for every field mediafleet sets, and fail when
// go.mod's asynq version is not CheckedAsynqVersion: whoever moves asynq runs them, reads
// asynq's internal/base and internal/rdb again, and only then moves the constant.
package asynqwire

// CheckedAsynqVersion is the asynq release whose Redis format this package was checked
// against. A test fails when the asynq module in the build is any other version.
const CheckedAsynqVersion = "v0.26.0"
