--[[
put-user.lua: inserts a user, or updates the fields a user may change (as the SQLite store's upsert), keeping the
lookup keys unique: an account name belongs to one user, and so does a third-party account of one (corp, app).

KEYS[1]  the user hash <p>user:<userId>
KEYS[2]  the lookup key of the new account <p>account:<account> (the user hash again when there is none)
KEYS[3]  the lookup key of the third-party account <p>third:<corpId>:<appId>:<thirdAccount> (or the user hash)
ARGV[1]  the key prefix   ARGV[2] userId   ARGV[3] account ('' = none)   ARGV[4] '1' when there is a third account
ARGV[5]  c: number of creation-only field pairs, then the pairs (set only when the user is new)
then     u: number of updatable field pairs, then the pairs (always set)
then     d: number of updatable fields that are null, then their names (always removed)

Errors (nothing written): ACCOUNT_TAKEN, THIRD_ACCOUNT_TAKEN.
]]
local user = KEYS[1]
local userId = ARGV[2]
local account = ARGV[3]
local exists = redis.call('EXISTS', user) == 1
if account ~= '' then
  local owner = redis.call('GET', KEYS[2])
  if owner and owner ~= userId then return redis.error_reply('ACCOUNT_TAKEN account already exists') end
end
if not exists and ARGV[4] == '1' then
  local owner = redis.call('GET', KEYS[3])
  if owner and owner ~= userId then return redis.error_reply('THIRD_ACCOUNT_TAKEN third account already exists') end
end
local old = false
if exists then old = redis.call('HGET', user, 'account') end
local a = 5
local c = tonumber(ARGV[a])
if not exists then
  for i = 1, c do redis.call('HSET', user, ARGV[a + 2 * i - 1], ARGV[a + 2 * i]) end
end
a = a + 1 + 2 * c
local u = tonumber(ARGV[a])
for i = 1, u do redis.call('HSET', user, ARGV[a + 2 * i - 1], ARGV[a + 2 * i]) end
a = a + 1 + 2 * u
local d = tonumber(ARGV[a])
for i = 1, d do redis.call('HDEL', user, ARGV[a + i]) end
if old and old ~= account then
  local oldKey = ARGV[1] .. 'account:' .. old
  if redis.call('GET', oldKey) == userId then redis.call('DEL', oldKey) end
end
if account ~= '' then redis.call('SET', KEYS[2], userId) end
if not exists and ARGV[4] == '1' then redis.call('SET', KEYS[3], userId) end
return 1
