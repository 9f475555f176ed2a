--[[
put-access-token.lua: stores an access token and keeps at most `max` tokens per (user, clientType): the oldest
are deleted. Tokens whose key expired are forgotten first.

KEYS[1]  <p>atok:<token>   KEYS[2] <p>atoks:<userId>:<clientType> (zset token → insertion number)
KEYS[3]  <p>atok-seq (the insertion counter)
ARGV[1]  token   ARGV[2] token JSON   ARGV[3] lifetime in ms   ARGV[4] max per (user, clientType)
ARGV[5]  the key prefix
]]
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[3]), ARGV[1])
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[2], ARGV[3]) end
for _, member in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  if redis.call('EXISTS', ARGV[5] .. 'atok:' .. member) == 0 then redis.call('ZREM', KEYS[2], member) end
end
local count = redis.call('ZCARD', KEYS[2])
local max = tonumber(ARGV[4])
if count > max then
  for _, member in ipairs(redis.call('ZRANGE', KEYS[2], 0, count - max - 1)) do
    redis.call('DEL', ARGV[5] .. 'atok:' .. member)
  end
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, count - max - 1)
end
return 1
