export type { LoginResult, RegisterResult } from './accounts/accounts.ts';
export { Accounts } from './accounts/accounts.ts';
export { defaultThrottleOptions, LoginThrottle, type ThrottleOptions } from './accounts/login-throttle.ts';
export {
  defaultScryptParams,
  hashPassword,
  type ScryptParams,
  verifyPassword,
} from './accounts/password-hash.ts';
export {
  ADAPTER_NAME,
  type AdapterDefinition,
  type AdapterServices,
  type AdapterStartContext,
  defineAdapter,
  edgeOf,
  type RunningAdapter,
  type TerminalClient,
  type TerminalClientRun,
} from './adapter/adapter.ts';
export { adapterDefinitionProblem, isAdapterDefinition } from './adapter/check-adapter.ts';
export { systemClock } from './clock/system-clock.ts';
export { Connection } from './connection/connection.ts';
export {
  type ConnectionHost,
  ConnectionRuntime,
  type ConnectionSettings,
  DEFAULT_CLOSE_GRACE_MS,
  DEFAULT_MAX_QUEUED_INPUTS,
  MIN_RATE_WAIT_MS,
} from './connection/connection-runtime.ts';
export { type FrameReader, wholeMessages } from './connection/frame-reader.ts';
export { serveTcp } from './connection/serve-tcp.ts';
export { SocketTransport, type Transport, type TransportReceiver } from './connection/transport.ts';
export { CidrError, CidrSet, parseCidr } from './edge/cidr.ts';
export { descriptorSoftLimit, maxConnectionsForDescriptors } from './edge/descriptor-limit.ts';
export {
  DEFAULT_PREAMBLE_TIMEOUT_MS,
  defaultEdge,
  type Edge,
  type EdgeOptions,
  EdgeRuntime,
} from './edge/edge.ts';
export { forwardedClientAddress } from './edge/forwarded.ts';
export { normalizeAddress } from './edge/ip-address.ts';
export {
  encodeProxyV1,
  encodeProxyV2,
  PROXY_V1_MAX_BYTES,
  PROXY_V2_MAX_BYTES,
  type ProxiedAddress,
  type ProxyHeader,
  parseProxyHeader,
} from './edge/proxy-protocol.ts';
export type { TcpConnectionHandler, TcpListener, TcpListenOptions } from './edge/tcp-listener.ts';
export type { TlsFiles } from './edge/tls-certificate.ts';
export {
  type ErrorCode,
  errorCatalog,
  errorMessage,
  isServiceUnavailable,
  orUnavailable,
  SwitchboardError,
} from './errors.ts';
export type { ConnectionCursor, ConnectionInfo } from './hub/connection-list.ts';
export {
  type ClusterReach,
  DEFAULT_SYSTEM_SENDER,
  Hub,
  type HubOptions,
  type SystemTarget,
} from './hub/hub.ts';
export { HubStats, LATENCY_BUCKETS_MS } from './hub/hub-stats.ts';
export { IDENTIFICATION_BUCKETS_MS, ProtocolStats } from './hub/protocol-stats.ts';
export {
  type AdmissionResult,
  type ClaimResult,
  type CreateRoomAnswer,
  type IdentityKind,
  Session,
  type SessionSink,
} from './hub/session.ts';
export { ConnectionLimiter } from './limits/connection-limiter.ts';
export { defaultLimits, type Limits } from './limits/limits.ts';
export { TokenBucket } from './limits/token-bucket.ts';
export { LocalBus, LocalPresence, LocalSessionDirectory } from './local/local-ports.ts';
export { ChatMessage } from './messages/chat-message.ts';
export {
  checkByteName,
  checkTextName,
  MAX_NAME_BYTES,
  Name,
  type NameProblem,
  sortNames,
} from './names/name.ts';
export type { AdminChannel, AdminEvent, Bus, BusEvent } from './ports/bus.ts';
export type { CancelTimer, Clock } from './ports/clock.ts';
export { type Logger, silentLogger } from './ports/logger.ts';
export type { Presence, SessionDirectory } from './ports/presence.ts';
export type { AccountStore, Closable, RoomRecord, RoomStore } from './ports/stores.ts';
export { type CreateRoomResult, type JoinResult, Rooms } from './rooms/rooms.ts';
export { MemoryAccountStore, MemoryRoomStore } from './stores/memory-stores.ts';
export { type CoarseTimer, TimerWheel } from './timers/timer-wheel.ts';
