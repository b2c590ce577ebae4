-- The hand-off of one notification, all or nothing: the dedupe mark, the append to the user's
-- history stream, and the publish of the full v1 frame on the user's channel.
-- KEYS: 1 history stream, 2 epoch, 3 dedupe mark, 4 trimmed-through marker (all tagged {user})
-- ARGV: 1 frame tail, 2 candidate epoch, 3 max entries, 4 max age (ms), 5 channel,
--       6 dedupe ttl (ms), 7 "1" when the notification has a dedupe key
local stream, epoch_key, seen_key, trimmed_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local tail, max_len, max_age = ARGV[1], tonumber(ARGV[3]), tonumber(ARGV[4])
if ARGV[7] == '1' then
  local seen = redis.call('GET', seen_key)
  if seen then return {'duplicate', seen, redis.call('GET', epoch_key) or ''} end
end
-- Epoch and stream expire together; a missing epoch means this user's history is gone.
local epoch = redis.call('GET', epoch_key) or ARGV[2]
local id = redis.call('XADD', stream, '*', 't', tail)
-- The stream may hold a quarter of `max_len` (at least one) beyond it between trims.
if redis.call('XLEN', stream) > max_len + math.max(1, math.floor(max_len / 4)) then
  trim(stream, trimmed_key, max_len, max_age)
end
-- Trimming happens only on writes, so the keys also expire at the age limit.
redis.call('PEXPIRE', stream, max_age)
redis.call('SET', epoch_key, epoch, 'PX', max_age)
if ARGV[7] == '1' then redis.call('SET', seen_key, id, 'PX', tonumber(ARGV[6])) end
redis.call('PUBLISH', ARGV[5], '{"type":"notification","id":"' .. id .. '","epoch":"' .. epoch .. '",' .. tail)
return {'new', id, epoch}
