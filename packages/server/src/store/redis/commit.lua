--[[
commit.lua: one entry of one meeting, all or nothing; publishes it on the meeting's channel in the same step.

KEYS[1]  the meeting hash  <p>{m:<id>}      (rev, head, inc, record, e:<category>, s:<category>)
KEYS[2]  the enterprise's meeting index set  <p>corp:<corpId>:meetings   (written on creation only)
KEYS[3 + 3(i-1) .. 5 + 3(i-1)]  per write i: items hash, order zset, log stream of its category

ARGV[1]  mode: 'create' (the meeting must not exist) or 'update' (it must be at rev ARGV[2] - 1 with head ARGV[3])
ARGV[2]  rev: the revision this entry creates
ARGV[3]  base: the head the entry was decided on
ARGV[4]  id: this entry's id (the new head)
ARGV[5]  inc: the store incarnation the node is connected to; must be the meeting's (set on creation)
ARGV[6]  nodeId      ARGV[7] confId      ARGV[8] channel      ARGV[9] log retention (MAXLEN)
ARGV[10] the meeting record JSON, or '' when the entry does not change it
ARGV[11] n: the number of writes; then per write:
         category, epoch, seq, createdAt, payload JSON ('' on creation: nothing is logged), item count k,
         then k triples: item key, item JSON ('' = delete), insertion order (used when the item is new)
         then m: the number of outbox messages (store/outbox.ts); per message: body, createdAt; its stream is
         KEYS[3 + 3n + (j-1)] (XADD with an automatic, increasing id)

Returns {'ok', rev}, or {reason, currentRev} and writes nothing: 'exists' (creation of an existing meeting),
'absent', 'incarnation' (the meeting belongs to another incarnation of the data: its epochs must be renewed first),
'stale' (another entry was committed first, or a stream is not at seq - 1 under the same epoch).
]]
local meta = KEYS[1]
local mode = ARGV[1]
local rev = tonumber(ARGV[2])
local cur = redis.call('HMGET', meta, 'rev', 'head', 'inc')
local curRev = tonumber(cur[1])
if mode == 'create' then
  if curRev then return {'exists', curRev} end
else
  if not curRev then return {'absent', 0} end
  if cur[3] ~= ARGV[5] then return {'incarnation', curRev} end
  if cur[2] ~= ARGV[3] or curRev ~= rev - 1 then return {'stale', curRev} end
end

-- Pass 1: read the writes and check every stream position before anything is written.
local n = tonumber(ARGV[11])
local writes = {}
local a = 12
for i = 1, n do
  local w = {
    cat = ARGV[a], epoch = ARGV[a + 1], seq = ARGV[a + 2], at = ARGV[a + 3], payload = ARGV[a + 4],
    count = tonumber(ARGV[a + 5]), first = a + 6, key = 3 + (i - 1) * 3,
  }
  writes[i] = w
  if mode ~= 'create' then
    local pos = redis.call('HMGET', meta, 'e:' .. w.cat, 's:' .. w.cat)
    if pos[1] ~= w.epoch or tonumber(pos[2]) ~= tonumber(w.seq) - 1 then return {'stale', curRev} end
  end
  a = a + 6 + 3 * w.count
end

-- Pass 2: items, stream heads, logs.
local parts = {}
for i = 1, n do
  local w = writes[i]
  local items, order, log = KEYS[w.key], KEYS[w.key + 1], KEYS[w.key + 2]
  redis.call('HSET', meta, 'e:' .. w.cat, w.epoch, 's:' .. w.cat, w.seq)
  for j = 0, w.count - 1 do
    local at = w.first + 3 * j
    local key, value = ARGV[at], ARGV[at + 1]
    if value == '' then
      redis.call('HDEL', items, key)
      redis.call('ZREM', order, key)
    else
      redis.call('HSET', items, key, value)
      redis.call('ZADD', order, 'NX', ARGV[at + 2], key)
    end
  end
  if mode ~= 'create' then
    redis.call('XADD', log, 'MAXLEN', ARGV[9], w.seq .. '-0', 'c', w.at, 'p', w.payload)
    parts[#parts + 1] = '{"category":' .. cjson.encode(w.cat) .. ',"epoch":' .. cjson.encode(w.epoch) ..
      ',"seq":' .. w.seq .. ',"createdAt":' .. w.at .. ',"payload":' .. w.payload .. '}'
  end
end

local m = tonumber(ARGV[a]) or 0
for j = 1, m do
  redis.call('XADD', KEYS[3 + 3 * n + (j - 1)], '*', 'b', ARGV[a + 1 + 2 * (j - 1)], 'c', ARGV[a + 2 + 2 * (j - 1)])
end

if ARGV[10] ~= '' then redis.call('HSET', meta, 'record', ARGV[10]) end
redis.call('HSET', meta, 'rev', ARGV[2], 'head', ARGV[4])
if mode == 'create' then
  redis.call('HSET', meta, 'inc', ARGV[5])
  redis.call('SADD', KEYS[2], ARGV[7])
end

-- Published inside the script: the order of publication is the order of commit.
local record = 'null'
if ARGV[10] ~= '' then record = ARGV[10] end
local kind = 'entry'
if mode == 'create' then kind = 'created' end
redis.call('PUBLISH', ARGV[8], '{"kind":"' .. kind .. '","nodeId":' .. cjson.encode(ARGV[6]) ..
  ',"confId":' .. cjson.encode(ARGV[7]) .. ',"rev":' .. ARGV[2] .. ',"id":' .. cjson.encode(ARGV[4]) ..
  ',"base":' .. cjson.encode(ARGV[3]) .. ',"record":' .. record .. ',"writes":[' .. table.concat(parts, ',') .. ']}')
return {'ok', rev}
