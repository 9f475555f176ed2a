--[[
renew.lua: restarts every stream of a meeting under a new epoch, because the data may have lost continuity (the
meeting was written under another incarnation of the Redis data set: Redis restarted or failed over). Items and
sequence numbers are kept; the logs are dropped (no resume across epochs); the revision advances and a 'reset'
is published so that every node gives its subscribers full messages.

KEYS[1]  the meeting hash;  KEYS[2 ..]  the log stream of each category (same order as the pairs below)
ARGV[1]  the current incarnation   ARGV[2] '1' = renew even when the meeting already belongs to it
ARGV[3]  nodeId   ARGV[4] entry id   ARGV[5] confId   ARGV[6] channel
ARGV[7 ..] pairs: category, new epoch

Returns {'ok', rev}, {'current', rev} (already of this incarnation; nothing done) or {'absent', 0}.
]]
local meta = KEYS[1]
local cur = redis.call('HMGET', meta, 'rev', 'inc')
if not cur[1] then return {'absent', 0} end
if cur[2] == ARGV[1] and ARGV[2] ~= '1' then return {'current', tonumber(cur[1])} end
local rev = tonumber(cur[1]) + 1
local i = 7
local k = 2
while ARGV[i] do
  redis.call('HSET', meta, 'e:' .. ARGV[i], ARGV[i + 1])
  redis.call('DEL', KEYS[k])
  i = i + 2
  k = k + 1
end
redis.call('HSET', meta, 'rev', rev, 'head', ARGV[4], 'inc', ARGV[1])
redis.call('PUBLISH', ARGV[6], '{"kind":"reset","nodeId":' .. cjson.encode(ARGV[3]) .. ',"confId":' ..
  cjson.encode(ARGV[5]) .. ',"rev":' .. rev .. ',"id":' .. cjson.encode(ARGV[4]) .. ',"base":"","record":null,"writes":[]}')
return {'ok', rev}
