// Package registry keeps the list of live mediafleet workers in Redis, for `mediafleet workers`
// and the fleet page.
//
// Each worker publishes a [WorkerInfo] (identity, queues with their concurrency and tasks in
// flight, its GPU with telemetry) as JSON under "<prefix>:mediafleet:workers:<id>" with a TTL, and
// refreshes it on every heartbeat ([Registry.Run]). A sorted set "<prefix>:mediafleet:workers"
// indexes the ids, scored by when each entry expires on the Redis clock; [Registry.List] prunes
// expired ids from it and returns the live workers only. A worker that stops cleanly deletes its
// entry at once; one that dies (kill -9, power loss) drops out when its TTL runs out.
package registry
