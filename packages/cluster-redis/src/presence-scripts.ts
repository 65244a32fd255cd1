import { LuaScript } from './lua-script.ts';

/**
 * The nodes whose heartbeat is alive. A node whose heartbeat expired (it died without a goodbye)
 * is forgotten on the spot: its names and sessions are deleted, so a `kill -9` leaves no ghosts.
 * KEYS[1] = the nodes set, ARGV[1] = the key prefix; node keys are built as in `RedisKeys`.
 */
const ALIVE_NODES = `
local function aliveNodes(nodesKey, prefix)
  local alive = {}
  for _, id in ipairs(redis.call('SMEMBERS', nodesKey)) do
    local base = prefix .. 'node:' .. id
    if redis.call('EXISTS', base .. ':alive') == 1 then
      alive[#alive + 1] = base
    else
      redis.call('DEL', base .. ':names', base .. ':sessions')
      redis.call('SREM', nodesKey, id)
    end
  end
  return alive
end
`;

/** Every name held on a live node. */
export const listNames = new LuaScript(`${ALIVE_NODES}
local sets = {}
for i, base in ipairs(aliveNodes(KEYS[1], ARGV[1])) do sets[i] = base .. ':names' end
if #sets == 0 then return {} end
return redis.call('SUNION', unpack(sets))
`);

/** Which of ARGV[2..] are held on a live node. */
export const filterNames = new LuaScript(`${ALIVE_NODES}
local alive = aliveNodes(KEYS[1], ARGV[1])
local found = {}
for i = 2, #ARGV do
  for _, base in ipairs(alive) do
    if redis.call('SISMEMBER', base .. ':names', ARGV[i]) == 1 then
      found[#found + 1] = ARGV[i]
      break
    end
  end
end
return found
`);

/** Client id, session id, client id, ... of every live node. */
export const listSessions = new LuaScript(`${ALIVE_NODES}
local out = {}
for _, base in ipairs(aliveNodes(KEYS[1], ARGV[1])) do
  for _, item in ipairs(redis.call('HGETALL', base .. ':sessions')) do out[#out + 1] = item end
end
return out
`);

/**
 * Refreshes this node's heartbeat, but only while the others still know it: returns 0 when the
 * node was forgotten (or Redis lost its data), and the caller then registers everything again.
 * KEYS[1] = nodes set, KEYS[2] = this node's heartbeat; ARGV[1] = node id, ARGV[2] = TTL ms.
 */
export const heartbeat = new LuaScript(`
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 and redis.call('PEXPIRE', KEYS[2], ARGV[2]) == 1 then
  return 1
end
return 0
`);

/**
 * The next fencing token of a name: INCR, but never below Redis's clock in microseconds, so the
 * tokens keep growing even after the key expired or Redis restarted empty (a holder's old token
 * must never outrank a newer claim). KEYS[1] = the claim key, ARGV[1] = its expiry in ms.
 */
export const nextClaim = new LuaScript(`
local now = redis.call('TIME')
local floor = tonumber(now[1]) * 1000000 + tonumber(now[2])
local token = redis.call('INCR', KEYS[1])
if token < floor then
  token = floor
  redis.call('SET', KEYS[1], now[1] .. string.format('%06d', tonumber(now[2])))
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return token
`);

/** Deletes a directory entry only if it still maps to ARGV[2]. KEYS[1] = the node's hash. */
export const deleteSessionIfMatches = new LuaScript(`
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0
`);
