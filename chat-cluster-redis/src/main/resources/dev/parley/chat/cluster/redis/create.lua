-- Creates a room's metadata unless it exists. KEYS[1] meta; ARGV epoch, topic, createdAt.
-- Answers 1 when created, 0 when the room already existed (left as it was).
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], 'epoch', ARGV[1], 'topic', ARGV[2], 'created', ARGV[3], 'seq', 0, 'first', 0)
return 1
