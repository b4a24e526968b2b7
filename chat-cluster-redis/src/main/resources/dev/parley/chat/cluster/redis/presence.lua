-- Presence of one room across nodes. Entries are "user\nnode" fields of KEYS[1] (value: the
-- member), each with its expiry in KEYS[2] (zset, ms of Redis's clock), and KEYS[3] counts the
-- live entries of each user, so that "appeared" and "vanished" are answered for the whole cluster.
--
-- ARGV[1] the operation: 'join', 'leave', 'refresh', 'sweep' or 'members'
-- join:    ARGV[2] user, ARGV[3] node, ARGV[4] member value, ARGV[5] ttl ms
-- leave:   ARGV[2] user, ARGV[3] node
-- refresh: ARGV[2] node, ARGV[3] ttl ms, ARGV[4..] users
-- Every operation but 'members' first sweeps expired entries (nodes that stopped refreshing).
-- Answers {changed, {vanished users swept}}: changed is 1/0 for join and leave, the users whose
-- entry was missing for refresh, the count swept for sweep ('members': {field, value, ...}).
local entries, expiry, counts = KEYS[1], KEYS[2], KEYS[3]
local op = ARGV[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local function user_of(field)
  return string.match(field, '^([^\n]*)\n')
end

local function drop(field)
  if redis.call('HDEL', entries, field) == 0 then
    redis.call('ZREM', expiry, field)
    return false
  end
  redis.call('ZREM', expiry, field)
  local user = user_of(field)
  if redis.call('HINCRBY', counts, user, -1) <= 0 then
    redis.call('HDEL', counts, user)
    return true
  end
  return false
end

if op == 'members' then
  local live = redis.call('ZRANGEBYSCORE', expiry, '(' .. now, '+inf')
  local out = {}
  for _, field in ipairs(live) do
    local value = redis.call('HGET', entries, field)
    if value then
      out[#out + 1] = field
      out[#out + 1] = value
    end
  end
  return out
end

local vanished = {}
local gone = redis.call('ZRANGEBYSCORE', expiry, '-inf', now, 'LIMIT', 0, 1000)
for _, field in ipairs(gone) do
  if drop(field) then
    vanished[#vanished + 1] = user_of(field)
  end
end

if op == 'join' then
  local field = ARGV[2] .. '\n' .. ARGV[3]
  local added = redis.call('HSET', entries, field, ARGV[4])
  redis.call('ZADD', expiry, now + tonumber(ARGV[5]), field)
  local appeared = 0
  if added == 1 and redis.call('HINCRBY', counts, ARGV[2], 1) == 1 then
    appeared = 1
  end
  -- A user swept and back in the same step never left, as far as anyone was told.
  for i = #vanished, 1, -1 do
    if vanished[i] == ARGV[2] then
      table.remove(vanished, i)
      appeared = 0
    end
  end
  return {appeared, vanished}
elseif op == 'leave' then
  local left = 0
  if drop(ARGV[2] .. '\n' .. ARGV[3]) then
    left = 1
  end
  return {left, vanished}
elseif op == 'refresh' then
  -- An entry already swept (this node was paused past the expiry) is not brought back here: its
  -- leave may have gone out, so the caller joins it again and answers the join.
  local missing = {}
  for i = 4, #ARGV do
    local field = ARGV[i] .. '\n' .. ARGV[2]
    if redis.call('HEXISTS', entries, field) == 1 then
      redis.call('ZADD', expiry, now + tonumber(ARGV[3]), field)
    else
      missing[#missing + 1] = ARGV[i]
    end
  end
  return {missing, vanished}
elseif op == 'sweep' then
  return {#vanished, vanished}
end
return redis.error_reply('ERR unknown presence operation ' .. tostring(op))
