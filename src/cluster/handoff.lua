-- The hand-off of notifications, in order, each all or nothing: its dedupe mark, the append to
-- its user's history stream, and the publish of the full v1 frame on its user's channel. One
-- call carries a whole batch, so Redis pays a script's start once for all of them.
-- The frame's header is the hub's (Frame::HEADER in actors/src/notification.rs): this script
-- only puts the id and epoch between the pieces it is handed.
-- KEYS: 4 per notification: history stream, epoch, dedupe mark, trimmed-through marker (all
--       tagged with its {user})
-- ARGV: 1 candidate epoch, 2 max entries, 3 max age (ms), 4 dedupe ttl (ms), 5-7 the frame
--       header's pieces before the id, before the epoch and before the tail, then 3 per
--       notification: frame tail, channel, "1" when it has a dedupe key
-- Returns one {outcome, id, epoch} per notification, outcome 'new' (with a fourth field: how many
-- subscribers, one per instance holding a socket of the user, the publish reached) or 'duplicate', or
-- {'error', message} for a notification a command refused (a key of the wrong type): the others
-- of the call go on, and each is reported as it went.
local candidate, max_len, max_age, dedupe_ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local before_id, before_epoch, before_tail = ARGV[5], ARGV[6], ARGV[7]
-- A stream may hold a quarter of `max_len` (at least one) beyond it between trims.
local trim_at = max_len + math.max(1, math.floor(max_len / 4))

local function hand_off(n)
  local k, a = 4 * (n - 1), 7 + 3 * (n - 1)
  local stream, epoch_key, seen_key, trimmed_key = KEYS[k + 1], KEYS[k + 2], KEYS[k + 3], KEYS[k + 4]
  local tail, channel, deduped = ARGV[a + 1], ARGV[a + 2], ARGV[a + 3] == '1'
  local seen = deduped and redis.call('GET', seen_key)
  if seen then return {'duplicate', seen, redis.call('GET', epoch_key) or ''} end
  -- Epoch and stream expire together; a missing epoch means this user's history is gone.
  local epoch = redis.call('GET', epoch_key) or candidate
  local id = redis.call('XADD', stream, '*', 't', tail)
  if redis.call('XLEN', stream) > trim_at then trim(stream, trimmed_key, max_len, max_age) end
  -- Trimming happens only on writes, so the keys also expire at the age limit.
  redis.call('PEXPIRE', stream, max_age)
  redis.call('SET', epoch_key, epoch, 'PX', max_age)
  if deduped then redis.call('SET', seen_key, id, 'PX', dedupe_ttl) end
  local receivers = redis.call('PUBLISH', channel, before_id .. id .. before_epoch .. epoch .. before_tail .. tail)
  return {'new', id, epoch, receivers}
end

local results = {}
for n = 1, #KEYS / 4 do
  local ok, result = pcall(hand_off, n)
  -- redis.call raises a command's error as a table with an `err` field.
  results[n] = ok and result or {'error', type(result) == 'table' and result.err or tostring(result)}
end
return results
