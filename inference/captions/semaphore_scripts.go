package captions

import "github.com/redis/go-redis/v9"

// The semaphore's scripts. KEYS: 1 holders (zset: holder id -> lease expiry), 2 queue (zset:
// waiter id -> ticket), 3 waiter expiry (zset: waiter id -> expiry), 4 ticket counter.
// Times are Redis's own clock (TIME) in ms, so the clocks of worker machines do not matter.
// A waiter becomes a holder under the same id, so a grant needs no second round trip.

// luaPrelude sets `now`, reaps expired holders and waiters, and defines grant and keep.
const luaPrelude = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local gone = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)
for _, w in ipairs(gone) do
  redis.call('ZREM', KEYS[2], w)
end
if #gone > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
end

-- grant gives free slots to the oldest waiters and publishes their ids.
local function grant(limit, lease, channel)
  local granted = {}
  while redis.call('ZCARD', KEYS[1]) < limit do
    local head = redis.call('ZRANGE', KEYS[2], 0, 0)
    if #head == 0 then break end
    redis.call('ZREM', KEYS[2], head[1])
    redis.call('ZREM', KEYS[3], head[1])
    redis.call('ZADD', KEYS[1], now + lease, head[1])
    granted[#granted + 1] = head[1]
  end
  if #granted > 0 then
    redis.call('PUBLISH', channel, table.concat(granted, ' '))
  end
  return granted
end

-- keep makes every key outlive the longest lease, and no more: an abandoned semaphore vanishes.
local function keep(ttl)
  for i = 1, 4 do
    local pttl = redis.call('PTTL', KEYS[i])
    if pttl ~= -2 and pttl < ttl then
      redis.call('PEXPIRE', KEYS[i], ttl)
    end
  end
end
`

// acquireScript: ARGV holder, limit, lease ms, waiter lease ms, channel -> 1 when holder holds
// a slot (taken now, granted earlier, or refreshed), else 0 with holder queued (or its place
// in the queue kept) until waiter lease ms from now.
var acquireScript = redis.NewScript(luaPrelude + `
local holder, limit, lease, wlease = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local ttl = math.max(lease, wlease) + 1000
if not redis.call('ZSCORE', KEYS[1], holder) then
  grant(limit, lease, ARGV[5])
end
if redis.call('ZSCORE', KEYS[1], holder) then
  redis.call('ZADD', KEYS[1], now + lease, holder)
  keep(ttl)
  return 1
end
if redis.call('ZCARD', KEYS[2]) == 0 and redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now + lease, holder)
  keep(ttl)
  return 1
end
if not redis.call('ZSCORE', KEYS[2], holder) then
  redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[4]), holder)
end
redis.call('ZADD', KEYS[3], now + wlease, holder)
keep(ttl)
return 0
`)

// refreshScript: ARGV holder, lease ms, ttl ms -> 1 when the lease was extended, 0 when it had
// already ended (the slot is then lost and is not taken back).
var refreshScript = redis.NewScript(luaPrelude + `
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  return 0
end
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
keep(tonumber(ARGV[3]))
return 1
`)

// releaseScript: ARGV id, limit, lease ms, channel -> the ids granted the freed slot. It
// serves both a holder that is done and a waiter that gives up (and may have been granted a
// slot meanwhile, which then passes on).
var releaseScript = redis.NewScript(luaPrelude + `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return grant(tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4])
`)

// heldScript -> {live holders, live waiters}.
var heldScript = redis.NewScript(luaPrelude + `
return {redis.call('ZCARD', KEYS[1]), redis.call('ZCARD', KEYS[2])}
`)
