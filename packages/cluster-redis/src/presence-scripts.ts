import { LuaScript } from './lua-script.ts';

/**
 * The nodes whose heartbeat is alive. A node whose heartbeat expired (it died without a goodbye)
 * is forgotten on the spot: its names, sessions and event number are deleted, so a `kill -9`
 * leaves no ghosts. KEYS[1] = the nodes set, ARGV[1] = the presence base `{P}:`; node keys are
 * built as in `RedisKeys` (one hash tag, so one slot on a Redis Cluster).
 */
const ALIVE_NODES = `
local function aliveNodes(nodesKey, base)
  local alive = {}
  for _, id in ipairs(redis.call('SMEMBERS', nodesKey)) do
    local node = base .. 'node:' .. id
    if redis.call('EXISTS', node .. ':alive') == 1 then
      alive[#alive + 1] = { id, node }
    else
      redis.call('DEL', node .. ':names', node .. ':sessions', node .. ':rooms', node .. ':seq')
      redis.call('SREM', nodesKey, id)
    end
  end
  return alive
end
`;

/**
 * Every live node's state, for loading the presence mirror: per node
 * { id, seq, { name, token, ... }, { client id, session id, ... }, { room, ... } }.
 */
export const snapshotAll = new LuaScript(`${ALIVE_NODES}
local out = {}
for i, entry in ipairs(aliveNodes(KEYS[1], ARGV[1])) do
  local node = entry[2]
  out[i] = { entry[1], redis.call('GET', node .. ':seq') or '0',
             redis.call('HGETALL', node .. ':names'), redis.call('HGETALL', node .. ':sessions'),
             redis.call('SMEMBERS', node .. ':rooms') }
end
return out
`);

/**
 * One node's state, read atomically with its event number, for repairing a gap:
 * { alive (0|1), seq, { name, token, ... }, { client id, session id, ... }, { room, ... } }.
 * KEYS = alive, seq, names, sessions, rooms of that node.
 */
export const snapshotNode = new LuaScript(`
return { redis.call('EXISTS', KEYS[1]), redis.call('GET', KEYS[2]) or '0',
         redis.call('HGETALL', KEYS[3]), redis.call('HGETALL', KEYS[4]), redis.call('SMEMBERS', KEYS[5]) }
`);

/**
 * One presence change of this node, its event number and its announcement, in one step: a
 * receiver that reloads after a gap reads state and number together, and the event is on the
 * channel exactly when the change is in Redis. KEYS = names, sessions, seq, rooms of this node;
 * ARGV = op (1 add name, 2 remove name, 3 set session, 4 delete session, 5 add room,
 * 6 remove room), field, value, seq,
 * channel, frame, publish command (PUBLISH, or SPUBLISH on a Redis Cluster).
 */
export const presenceChange = new LuaScript(
  `
local op = ARGV[1]
if op == '1' then redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
elseif op == '2' then redis.call('HDEL', KEYS[1], ARGV[2])
elseif op == '3' then redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
elseif op == '5' then redis.call('SADD', KEYS[4], ARGV[2])
elseif op == '6' then redis.call('SREM', KEYS[4], ARGV[2])
elseif redis.call('HGET', KEYS[2], ARGV[2]) == ARGV[3] then redis.call('HDEL', KEYS[2], ARGV[2])
end
redis.call('SET', KEYS[3], ARGV[4])
redis.call(ARGV[7], ARGV[5], ARGV[6])
return 1
`,
  { ordered: true },
);

/** Deletes the heartbeats' dead: the cleanup of `ALIVE_NODES` on its own. KEYS[1] = nodes set. */
export const reapNodes = new LuaScript(`${ALIVE_NODES}
return #aliveNodes(KEYS[1], ARGV[1])
`);

/**
 * Refreshes this node's heartbeat and announces it (with the node's last event number, so a
 * receiver that missed an event notices), but only while the others still know it: returns 0
 * when the node was forgotten (or Redis lost its data), and the caller then registers again.
 * KEYS[1] = nodes set, KEYS[2] = this node's heartbeat; ARGV = node id, TTL ms, channel, frame,
 * publish command.
 */
export const heartbeat = new LuaScript(`
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 and redis.call('PEXPIRE', KEYS[2], ARGV[2]) == 1 then
  redis.call(ARGV[5], ARGV[3], ARGV[4])
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
