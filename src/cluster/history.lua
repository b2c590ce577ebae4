-- Shared by the hand-off and replay scripts: stream ids and trimming that remembers what it
-- dropped, since Redis's own max-deleted-entry-id ignores trimming.
--
-- A replay trims exactly before it reads, so what a client is sent (or told to resync over) is
-- always judged against exactly `max_len` entries and `max_age`. The hand-off only bounds memory:
-- it lets a stream grow by a quarter of `max_len` and then trims back in one call, because
-- trimming one entry on every hand-off costs 2.5 times the hand-off itself (docs/benchmarks.md).

-- Whether stream id `a` comes before `b` (compared as integer pairs, not strings).
local function before(a, b)
  local ams, aseq = string.match(a, '^(%d+)-(%d+)$')
  local bms, bseq = string.match(b, '^(%d+)-(%d+)$')
  ams, aseq, bms, bseq = tonumber(ams), tonumber(aseq), tonumber(bms), tonumber(bseq)
  return ams < bms or (ams == bms and aseq < bseq)
end

-- Drops entries beyond `max_len` and older than `max_age` ms, and records the newest dropped id
-- in `trimmed_key`: a client that has seen less than that has a gap.
local function trim(stream, trimmed_key, max_len, max_age)
  local through = nil
  local len = redis.call('XLEN', stream)
  if len > max_len then
    local gone = redis.call('XRANGE', stream, '-', '+', 'COUNT', len - max_len)
    through = gone[#gone][1]
  end
  local now = redis.call('TIME')
  local oldest = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - max_age
  if oldest > 0 then
    local old = redis.call('XREVRANGE', stream, '(' .. oldest .. '-0', '-', 'COUNT', 1)
    if #old > 0 and (through == nil or before(through, old[1][1])) then through = old[1][1] end
  end
  if through then
    -- Exact (`=`), so the marker names the newest id really gone.
    local ms, seq = string.match(through, '^(%d+)-(%d+)$')
    redis.call('XTRIM', stream, 'MINID', '=', ms .. '-' .. (tonumber(seq) + 1))
    local recorded = redis.call('GET', trimmed_key)
    if not recorded or before(recorded, through) then
      redis.call('SET', trimmed_key, through, 'PX', max_age)
    end
  end
end
