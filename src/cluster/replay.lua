-- What a resuming client missed, or a resync when history cannot prove there is no gap.
-- KEYS: 1 history stream, 2 epoch, 3 trimmed-through marker (all tagged {user})
-- ARGV: 1 since (the last id the client has), 2 the client's epoch ('' accepts any),
--       3 candidate epoch, 4 max entries, 5 max age (ms)
local stream, epoch_key, trimmed_key, since = KEYS[1], KEYS[2], KEYS[3], ARGV[1]
local max_len, max_age = tonumber(ARGV[4]), tonumber(ARGV[5])
local epoch = redis.call('GET', epoch_key)
if not epoch then
  -- No history for this user (never, expired, or lost): a fresh epoch, so a client holding an
  -- older one learns that.
  epoch = ARGV[3]
  redis.call('SET', epoch_key, epoch, 'PX', max_age)
  if ARGV[2] ~= '' then return {'resync', epoch} end
  return {'frames', epoch}
end
if ARGV[2] ~= '' and ARGV[2] ~= epoch then return {'resync', epoch} end
if redis.call('EXISTS', stream) == 1 then trim(stream, trimmed_key, max_len, max_age) end
local trimmed = redis.call('GET', trimmed_key)
if trimmed and before(since, trimmed) then return {'resync', epoch} end
local result = {'frames', epoch}
for _, entry in ipairs(redis.call('XRANGE', stream, '(' .. since, '+')) do
  result[#result + 1] = entry[1]
  result[#result + 1] = entry[2][2]
end
return result
