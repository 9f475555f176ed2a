--[[
snapshot.lua: one meeting in one atomic read (read-only).

KEYS[1]  the meeting hash;  then per category: items hash, order zset, log stream
ARGV[1]  how many of the newest log entries to return per category

Returns nil when the meeting does not exist; otherwise {meeting hash as a flat list, then per category:
item keys in insertion order, the items hash as a flat list, the newest log entries (newest first)}.
]]
local meeting = redis.call('HGETALL', KEYS[1])
if #meeting == 0 then return false end
local depth = tonumber(ARGV[1])
local out = {meeting}
local k = 2
while KEYS[k] do
  out[#out + 1] = redis.call('ZRANGE', KEYS[k + 1], 0, -1)
  out[#out + 1] = redis.call('HGETALL', KEYS[k])
  if depth > 0 then
    out[#out + 1] = redis.call('XREVRANGE', KEYS[k + 2], '+', '-', 'COUNT', depth)
  else
    out[#out + 1] = {}
  end
  k = k + 3
end
return out
