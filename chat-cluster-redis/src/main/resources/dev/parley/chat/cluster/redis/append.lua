-- Appends one message to a room: the whole of RedisSequencer.append and RedisMessageStore.append.
-- Every check comes before the first write, because Redis does not roll a script back.
--
-- KEYS[1] meta (hash)   KEYS[2] log (stream)   KEYS[3] cids (hash)   KEYS[4] cid order (zset)
-- ARGV[1] the seq the caller expects to append, or 0 to take the room's next one
-- ARGV[2] the dedupe key (user .. "\n" .. cid), or "" for a message without cid
-- ARGV[3] the dedupe window in messages (0: no dedupe)
-- ARGV[4] retention in messages (0: keep everything)
-- ARGV[5] the encoded message without its seq (MessageCodec)
-- ARGV[6] the message's id .. " " .. ts, kept for the dedupe answer
-- ARGV[7] the notice channel    ARGV[8] this node's id
--
-- Answers {1, seq, epoch} appended; {2, seq, epoch, original-or-"", "seq id ts"} duplicate;
-- {-1} no such room; {-2, last} the expected seq is not last + 1.
local meta, log, cids, order = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local expected = tonumber(ARGV[1])
local dkey = ARGV[2]
local window = tonumber(ARGV[3])
local retain = tonumber(ARGV[4])

local state = redis.call('HMGET', meta, 'epoch', 'seq', 'first')
local epoch = state[1]
if not epoch then
  return {-1}
end
local last = tonumber(state[2]) or 0
local first = tonumber(state[3]) or 0

-- Only the sequencer (expected 0) answers duplicates; the store appends what it is given.
if expected == 0 and dkey ~= '' and window > 0 then
  local prior = redis.call('HGET', cids, dkey)
  if prior then
    local pseq = string.match(prior, '^(%d+)')
    local entry = redis.call('XRANGE', log, pseq .. '-0', pseq .. '-0')
    local original = ''
    if entry[1] then
      original = entry[1][2][2]
    end
    return {2, tonumber(pseq), epoch, original, prior}
  end
end
if expected ~= 0 and expected ~= last + 1 then
  return {-2, last}
end

-- Writes from here on; nothing below can refuse.
local seq = redis.call('HINCRBY', meta, 'seq', 1)
local sseq = string.format('%d', seq)
if retain > 0 then
  redis.call('XADD', log, 'MAXLEN', retain, sseq .. '-0', 'm', ARGV[5])
else
  redis.call('XADD', log, sseq .. '-0', 'm', ARGV[5])
end
local newFirst = first
if newFirst == 0 then
  newFirst = 1
end
if retain > 0 and seq - retain + 1 > newFirst then
  newFirst = seq - retain + 1
end
if newFirst ~= first then
  redis.call('HSET', meta, 'first', string.format('%d', newFirst))
end
if dkey ~= '' and window > 0 then
  redis.call('HSET', cids, dkey, sseq .. ' ' .. ARGV[6])
  redis.call('ZADD', order, seq, dkey)
  local horizon = seq - window
  if horizon >= 1 then
    -- Usually one cid leaves the window per append; more only after the window was made smaller.
    while true do
      local gone = redis.call('ZRANGEBYSCORE', order, '-inf', horizon, 'LIMIT', 0, 500)
      if #gone == 0 then
        break
      end
      redis.call('HDEL', cids, unpack(gone))
      redis.call('ZREM', order, unpack(gone))
    end
  end
end
redis.call('PUBLISH', ARGV[7], sseq .. ' ' .. epoch .. ' ' .. ARGV[8] .. '\n' .. ARGV[5])
return {1, seq, epoch}
