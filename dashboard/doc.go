// Package dashboard serves what a person watches while the fleet drains the backlog, on one
// address:
//
//   - / the fleet page (server-rendered, refreshed by a few lines of JS): per queue its counts,
//     paused state, throughput, ETA and buttons (pause, resume, retry or purge archived tasks);
//     the backlog by kind; the live workers from the registry with their queues and GPU; the
//     newest archived tasks with their reasons and links into asynqmon. /api/fleet is the same
//     as JSON.
//   - /monitoring asynqmon, with payloads shown as kind, asset path and frame.
//   - /metrics Prometheus metrics read from asynq's Inspector on each scrape (a private
//     registry, see Collector).
//   - /healthz 200 when Redis answers.
//
// Access: CheckListen refuses an address other machines can reach unless Credentials are
// configured; with credentials every route but /healthz needs a bearer token or basic auth,
// compared in constant time. State-changing requests from other sites are refused (Sec-Fetch-Site
// and Origin checks, net/http.CrossOriginProtection). ReadOnly hides the buttons, puts asynqmon
// in read-only mode and answers every non-GET request with 403.
//
// Throughput and ETA come from one stats.Forecaster over the per-minute tallies, with a
// clock tests control. Queue actions are package internal/queuectl's, shared with `mediafleet queues`.
package dashboard
