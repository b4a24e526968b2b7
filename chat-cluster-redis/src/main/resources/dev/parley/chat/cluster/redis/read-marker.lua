-- Moves a read marker forward only. KEYS[1] markers (hash); ARGV user, seq. Answers the marker.
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local wanted = tonumber(ARGV[2])
if wanted > current then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  return wanted
end
return current
