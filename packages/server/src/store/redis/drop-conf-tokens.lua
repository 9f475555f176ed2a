--[[
drop-conf-tokens.lua: revokes every meeting-control token of a meeting.

KEYS[1]  <p>{m:<confId>}:ctok (set of the meeting's control tokens)
ARGV[1]  the key prefix
]]
for _, token in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  redis.call('DEL', ARGV[1] .. 'ctok:' .. token)
end
redis.call('DEL', KEYS[1])
return 1
