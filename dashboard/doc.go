// Package dashboard serves what a person watches while the fleet drains the backlog: asynqmon
// at /monitoring (queues and tasks), and /healthz.
package dashboard
