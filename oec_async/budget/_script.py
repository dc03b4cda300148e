"""The Lua script that runs the governor's rules on the shared log, atomically, in Redis.

It mirrors ``oec_async._ratelimit._Bucket`` (one rule set; the governor bounds every number
before it gets here). A reservation may lie in the future: the script places the send at the
earliest time that keeps every window of ``window + margin`` within ``limit`` sends (the
``limit``-th newest entry, one window on), records it there, and answers the wait. So a send
costs one round trip however long it waits, and the caller sleeps instead of asking again.
"""

from __future__ import annotations

from typing import Final

__all__ = ["NOTE_FIELDS", "SCRIPT"]

NOTE_FIELDS: Final = 9
"""Fields per note in ARGV: kind, bucket, age, slot id, seconds, limit, window, remaining, reset."""

SCRIPT: Final = """
-- KEYS: read log, read state, write log, write state (one hash tag: one slot in a cluster)
-- ARGV: 1 bucket to reserve in ('' = notes only), 2 slot id, 3 read limit, 4 write limit,
--       5 window, 6 margin, 7 pacing (1/0), 8 max wait (-1: none), 9 max pause,
--       10 number of notes, then 9 fields per note ('' = absent)
pcall(redis.replicate_commands)  -- Redis < 5 needs it to write after TIME; later a no-op
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local margin = tonumber(ARGV[6])
local pacing = ARGV[7] == '1'
local max_wait = tonumber(ARGV[8])
local max_pause = tonumber(ARGV[9])

local function fmt(x) return string.format('%.6f', x) end
local function num(v)
  if v == nil or v == false or v == '' then return nil end
  return tonumber(v)
end

local function load(bucket)
  local log, st, limit = KEYS[3], KEYS[4], tonumber(ARGV[4])
  if bucket == 'read' then log, st, limit = KEYS[1], KEYS[2], tonumber(ARGV[3]) end
  local v = redis.call('HMGET', st, 'limit', 'window', 'blocked', 'confirmed')
  return {log = log, st = st, limit = num(v[1]) or limit, window = num(v[2]) or tonumber(ARGV[5]),
          blocked = num(v[3]) or 0, confirmed = v[4] == '1'}
end

-- Nothing piles up: both keys live two windows and a minute past what was last written.
local function keep(b, upto)
  local ms = math.ceil((math.max(upto, b.blocked, now) - now + 2 * b.window + margin + 60) * 1000)
  redis.call('PEXPIRE', b.log, ms)
  redis.call('PEXPIRE', b.st, ms)
end

local function pause(b, upto)
  if upto > b.blocked then
    b.blocked = upto
    redis.call('HSET', b.st, 'blocked', fmt(upto))
  end
  keep(b, upto)
end

local i = 11
for _ = 1, tonumber(ARGV[10]) do
  local kind, b, at = ARGV[i], load(ARGV[i + 1]), now - tonumber(ARGV[i + 2])
  local slot_id = ARGV[i + 3]
  if kind == 'answered' and pacing then
    redis.call('ZADD', b.log, fmt(at), slot_id)  -- counted from its answer from now on
    keep(b, at)
  elseif kind == 'dropped' then
    redis.call('ZREM', b.log, slot_id)
  elseif kind == 'pause' then
    pause(b, at + math.min(tonumber(ARGV[i + 4]), max_pause))
  elseif kind == 'headers' then
    local limit, window = num(ARGV[i + 5]), num(ARGV[i + 6])
    local remaining, reset = num(ARGV[i + 7]), num(ARGV[i + 8])
    if limit then
      b.limit = limit
      redis.call('HSET', b.st, 'limit', limit, 'confirmed', '1')
    end
    if window then
      b.window = window
      redis.call('HSET', b.st, 'window', fmt(window))
    end
    if remaining and remaining <= 0 and reset and reset < b.window then
      pause(b, at + math.min(reset, max_pause))
    elseif remaining then
      -- Sends the server counted that no process recorded: count them now.
      redis.call('ZREMRANGEBYSCORE', b.log, '-inf', fmt(at - b.window - margin))
      local missing = math.min(b.limit - remaining - redis.call('ZCARD', b.log), b.limit)
      for _ = 1, missing do
        local seq = redis.call('HINCRBY', b.st, 'seq', 1)
        redis.call('ZADD', b.log, fmt(at), 'h:' .. seq)
      end
      keep(b, at)
    end
  end
  i = i + 9
end

if ARGV[1] == '' then return {} end
local b = load(ARGV[1])
local at = math.max(now, b.blocked)
if pacing then
  redis.call('ZREMRANGEBYSCORE', b.log, '-inf', fmt(now - b.window - margin))
  local count = redis.call('ZCARD', b.log)
  if count >= b.limit then
    local rank = count - b.limit
    local entry = redis.call('ZRANGE', b.log, rank, rank, 'WITHSCORES')
    at = math.max(at, tonumber(entry[2]) + b.window + margin)
  end
end
local wait = at - now
local reply = {0, fmt(wait), '', tostring(b.limit), fmt(b.window), fmt(math.max(0, b.blocked - now)),
               b.confirmed and 1 or 0}
if max_wait >= 0 and wait > max_wait then return reply end
reply[1] = 1
if pacing then
  redis.call('ZADD', b.log, fmt(at), ARGV[2])
  reply[3] = ARGV[2]
  keep(b, at)
end
return reply
"""
