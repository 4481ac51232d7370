package captions

import "github.com/redis/go-redis/v9"

// The semaphore's scripts. Each reads Redis's own clock (TIME), so the lease expiry of a slot
// does not depend on the clock of the worker that took it. Scores are expiry times in ms.

// luaNow sets `now` (ms) and reaps expired holders of KEYS[1].
const luaNow = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
`

// luaKeepKey extends the key's TTL so an abandoned semaphore disappears once every lease is over.
const luaKeepKey = `
if redis.call('PTTL', KEYS[1]) < lease + 1000 then
  redis.call('PEXPIRE', KEYS[1], lease + 1000)
end
`

// acquireScript: ARGV holder, limit, lease ms -> {1, 0} when the slot is taken (or the holder
// already had it), else {0, ms until the earliest lease ends}.
var acquireScript = redis.NewScript(luaNow + `
local holder = ARGV[1]
local limit = tonumber(ARGV[2])
local lease = tonumber(ARGV[3])
if redis.call('ZSCORE', KEYS[1], holder) or redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now + lease, holder)
` + luaKeepKey + `
  return {1, 0}
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, tonumber(first[2]) - now}
`)

// refreshScript: ARGV holder, lease ms -> 1 when the lease was extended, 0 when it had
// already ended (the slot is then lost and is not taken back).
var refreshScript = redis.NewScript(luaNow + `
local lease = tonumber(ARGV[2])
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  return 0
end
redis.call('ZADD', KEYS[1], 'XX', now + lease, ARGV[1])
` + luaKeepKey + `
return 1
`)

// releaseScript: ARGV holder, wake channel -> 1 when the holder had a slot; wakes waiters.
var releaseScript = redis.NewScript(`
local n = redis.call('ZREM', KEYS[1], ARGV[1])
if n > 0 then
  redis.call('PUBLISH', ARGV[2], '1')
end
return n
`)

// heldScript -> the number of live holders.
var heldScript = redis.NewScript(luaNow + `
return redis.call('ZCARD', KEYS[1])
`)
