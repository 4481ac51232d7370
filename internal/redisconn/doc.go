// Package redisconn turns the configured redis_url into connections: asynq's connection options
// for the queues and go-redis clients for the parts of mediafleet that talk to Redis beside asynq
// (registry, semaphores, queue control). It lives outside configs so that packages which only read
// configuration do not import asynq or go-redis.
package redisconn
