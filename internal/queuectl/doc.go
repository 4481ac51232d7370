// Package queuectl is what a person does to mediafleet's queues, shared by the `mediafleet queues`
// commands and the dashboard's buttons: list them with their counts, pause and resume them, run
// archived tasks again (all, or only those of one kind), purge archived tasks, and drain a queue
// (pause it, then wait until its running tasks have finished).
//
// Queue names: a bare kind (keyframes, faces, captions) gets the configured prefix; any other
// name is taken as a full queue name.
package queuectl
