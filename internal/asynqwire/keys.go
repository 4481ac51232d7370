package asynqwire

// QueuesKey is asynq's set of every queue name it knows (base.AllQueues); the Inspector and
// asynqmon list queues from it.
const QueuesKey = "asynq:queues"

// QueuePrefix is the prefix of every key of one queue (base.QueueKeyPrefix).
func QueuePrefix(queue string) string { return "asynq:{" + queue + "}:" }

// TaskKey is the key of the hash holding one task's message and state (base.TaskKey).
func TaskKey(queue, id string) string { return QueuePrefix(queue) + "t:" + id }

// Lists are the keys of one queue's task lists that mediafleet reads.
type Lists struct {
	// Pending is the list of task ids ready to run (base.PendingKey).
	Pending string
	// Scheduled is the sorted set of task ids waiting for their time (base.ScheduledKey).
	Scheduled string
	// Retry is the sorted set of failed task ids waiting to run again (base.RetryKey).
	Retry string
	// Active is the list of task ids a worker is running (base.ActiveKey).
	Active string
}

// QueueLists is Lists of one queue.
func QueueLists(queue string) Lists {
	p := QueuePrefix(queue)
	return Lists{Pending: p + "pending", Scheduled: p + "scheduled", Retry: p + "retry", Active: p + "active"}
}
