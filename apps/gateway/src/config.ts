import { readFileSync } from 'node:fs';
import type { AdapterDefinition } from '@switchboard/core';
import {
  CidrError,
  checkTextName,
  DEFAULT_PREAMBLE_TIMEOUT_MS,
  DEFAULT_SYSTEM_SENDER,
  defaultLimits,
  defaultThrottleOptions,
  descriptorSoftLimit,
  maxConnectionsForDescriptors,
  parseCidr,
} from '@switchboard/core';
import { z } from 'zod';
import { adapters } from './adapters.ts';

const port = z.int().min(0).max(65_535);
const positiveInt = z.int().positive();
const nonNegativeInt = z.int().nonnegative();

function adapterSchema(definition: AdapterDefinition<unknown>) {
  const options = definition.optionsSchema;
  const shape = options instanceof z.ZodObject ? options.shape : {};
  return z
    .strictObject({
      ...shape,
      port: port.default(definition.defaultPort),
      /** `false` serves this adapter in plain text even when `tls` is configured. */
      tls: z.boolean().default(true),
    })
    .prefault({});
}

const adaptersSchema = (registry: readonly AdapterDefinition<unknown>[]) =>
  z
    .strictObject(
      Object.fromEntries(registry.map((definition) => [definition.name, adapterSchema(definition)])),
    )
    .prefault({});

/** The configuration of a gateway serving `registry` (the built-ins plus any plug-ins). */
export const configSchemaFor = (registry: readonly AdapterDefinition<unknown>[]) =>
  z.strictObject({
    host: z.string().min(1).default('0.0.0.0'),
    dataDir: z.string().min(1).default('./data'),
    /** One Redis (`redis://`, `rediss://`) or a Redis Cluster (`redis+cluster://HOST:PORT,HOST:PORT`). */
    redis: z
      .string()
      .refine(
        (url) =>
          /^rediss?\+cluster:\/\/(?:[^@/]*@)?[^/@,]+(?:,[^/@,]+)*\/?$/.test(url) ||
          (/^rediss?:\/\//.test(url) && URL.canParse(url)),
        'expected redis://HOST:PORT, rediss://HOST:PORT or redis+cluster://HOST:PORT,HOST:PORT,...',
      )
      .optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Adapters to start; all when absent. */
    only: z
      .array(z.enum(registry.map((definition) => definition.name) as [string, ...string[]]))
      .min(1)
      .optional(),
    /** Adapter modules loaded at start (package names, or paths from the working directory). */
    plugins: z.array(z.string().min(1)).default([]),
    adapters: adaptersSchema(registry),
    /**
     * Proxies (CIDR ranges) whose word on the client's address is taken: TCP connections from
     * them must start with a PROXY header, HTTP requests from them name the client in
     * `Forwarded` / `X-Forwarded-For`. A comma-separated string is accepted too (environment).
     */
    trustProxy: z
      .preprocess(
        (value) => (typeof value === 'string' ? value.split(',').map((item) => item.trim()) : value),
        z.array(z.string().refine(isCidr, 'not an IP address or CIDR range')),
      )
      .default([]),
    /** Serve TLS on every protocol listener (wss:// on the WebSocket ones); SIGHUP reloads the files. */
    tls: z
      .strictObject({
        /** PEM certificate chain file. */
        cert: z.string().min(1).optional(),
        /** PEM private key file. */
        key: z.string().min(1).optional(),
      })
      .refine((tls) => (tls.cert === undefined) === (tls.key === undefined), 'needs both cert and key')
      .prefault({}),
    /** The sender of messages from the server API; reserved: no client may claim or register it. */
    systemSender: z
      .string()
      .refine(
        (name) => checkTextName(name) === null,
        'not a name: 1 to 256 bytes of UTF-8, no control characters',
      )
      .default(DEFAULT_SYSTEM_SENDER),
    /** How long a connection has for its PROXY header, and then for its TLS handshake. */
    preambleTimeoutMs: positiveInt.default(DEFAULT_PREAMBLE_TIMEOUT_MS),
    admin: z
      .strictObject({
        host: z.string().min(1).default('127.0.0.1'),
        port: port.default(8081),
        /** Bearer token for the admin API; without one only loopback clients may use it. */
        token: z.string().min(16).optional(),
      })
      .prefault({}),
    limits: z
      .strictObject({
        /** Default: derived from the descriptor limit, so it engages before descriptors run out. */
        maxConnections: positiveInt.optional(),
        maxConnectionsPerAddress: positiveInt.default(defaultLimits.maxConnectionsPerAddress),
        messagesPerSecond: positiveInt.default(defaultLimits.messagesPerSecond),
        messageBurst: positiveInt.default(defaultLimits.messageBurst),
        bytesPerSecond: positiveInt.default(defaultLimits.bytesPerSecond),
        byteBurst: positiveInt.default(defaultLimits.byteBurst),
        maxQueuedBytes: positiveInt.default(defaultLimits.maxQueuedBytes),
      })
      .prefault({})
      .transform((limits) => ({
        ...limits,
        maxConnections: limits.maxConnections ?? defaultMaxConnections(),
      })),
    throttle: z
      .strictObject({
        maxFailuresPerName: positiveInt.default(defaultThrottleOptions.maxFailuresPerName),
        maxFailuresPerAddress: positiveInt.default(defaultThrottleOptions.maxFailuresPerAddress),
        windowMs: positiveInt.default(defaultThrottleOptions.windowMs),
        lockMs: nonNegativeInt.default(defaultThrottleOptions.lockMs),
      })
      .prefault({}),
    /** scrypt cost (N) for password hashes; a power of two. */
    scryptCost: positiveInt.refine((n) => (n & (n - 1)) === 0, 'must be a power of two').default(16_384),
    /** Grace for a graceful stop before connections are destroyed (SPEC: exit within 5 s). */
    shutdownTimeoutMs: positiveInt.max(4_500).default(3_000),
    cluster: z
      .strictObject({
        heartbeatMs: positiveInt.default(2_000),
        nodeTtlMs: positiveInt.default(10_000),
      })
      .prefault({}),
  });

/** The configuration of the built-in adapters alone. */
export const configSchema = configSchemaFor(adapters);

export type GatewayConfig = Readonly<z.infer<typeof configSchema>>;

function isCidr(text: string): boolean {
  try {
    parseCidr(text);
    return true;
  } catch (error) {
    if (error instanceof CidrError) return false;
    throw error;
  }
}

/** SPEC's 200 000, lowered to what the descriptor soft limit (read at start) leaves room for. */
export function defaultMaxConnections(softLimit = descriptorSoftLimit()): number {
  return maxConnectionsForDescriptors(softLimit, defaultLimits.maxConnections);
}
type Json = Record<string, unknown>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const screaming = (camel: string) =>
  camel
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/-/g, '_')
    .toUpperCase();

/**
 * Every setting's environment variable: `SWITCHBOARD_` + its path in SCREAMING_SNAKE_CASE, the
 * `adapters.` prefix dropped (`adapters.json-ws.port` → `SWITCHBOARD_JSON_WS_PORT`).
 */
export function environmentVariables(schema: z.ZodType = configSchema): Map<string, string[]> {
  const variables = new Map<string, string[]>();
  const walk = (schema: z.ZodType, path: string[]) => {
    const inner = unwrap(schema);
    if (inner instanceof z.ZodObject) {
      for (const [key, child] of Object.entries(inner.shape as Record<string, z.ZodType>))
        walk(child, [...path, key]);
      return;
    }
    const visible = path[0] === 'adapters' ? path.slice(1) : path;
    variables.set(`SWITCHBOARD_${visible.map(screaming).join('_')}`, path);
  };
  walk(schema, []);
  return variables;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current: z.ZodType = schema;
  for (;;) {
    const def = (current as unknown as { def: { type: string; innerType?: z.ZodType; in?: z.ZodType } }).def;
    if (def.innerType && ['default', 'prefault', 'optional', 'nullable', 'readonly'].includes(def.type)) {
      current = def.innerType;
    } else if (def.type === 'pipe' && def.in) {
      current = def.in;
    } else {
      return current;
    }
  }
}

/** Environment values are strings; numbers, booleans and lists are read as the schema expects. */
function parseEnvValue(path: string[], raw: string): unknown {
  if (path.at(-1) === 'only' || path[0] === 'trustProxy' || path[0] === 'plugins')
    return raw.split(',').map((item) => item.trim());
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  if (raw === 'true' || raw === 'false') return raw === 'true';
  return raw;
}

export function setPath(target: Json, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Json;
  }
  node[path.at(-1)!] = value;
}

function deepMerge(base: Json, over: Json): Json {
  const result: Json = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = result[key];
    const bothObjects =
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      typeof current === 'object' &&
      current !== null;
    result[key] = bothObjects ? deepMerge(current as Json, value as Json) : value;
  }
  return result;
}

export function configFromEnvironment(env: NodeJS.ProcessEnv, schema: z.ZodType = configSchema): Json {
  const result: Json = {};
  for (const [variable, path] of environmentVariables(schema)) {
    const raw = env[variable];
    if (raw !== undefined && raw !== '') setPath(result, path, parseEnvValue(path, raw));
  }
  return result;
}

export function readConfigFile(file: string): Json {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${file}: ${(error as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not a JSON object');
    // `$schema` points an editor at switchboard.schema.json; it is no setting.
    const { $schema: _schema, ...settings } = parsed as Json;
    return settings;
  } catch (error) {
    throw new ConfigError(`config file ${file} is not valid JSON: ${(error as Error).message}`);
  }
}

/** The flags of `switchboard serve`, already mapped to config paths. */
export type FlagValues = Json;

/**
 * Builds the one frozen configuration: defaults < config file < environment < flags.
 * Throws {@link ConfigError} naming the first bad setting.
 */
export function loadConfig(options: {
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  flags?: FlagValues;
  /** Every adapter to configure: the built-ins and the loaded plug-ins (plugins/). */
  registry?: readonly AdapterDefinition<unknown>[];
}): GatewayConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? env.SWITCHBOARD_CONFIG;
  const schema = options.registry ? configSchemaFor(options.registry) : configSchema;
  const fromFile = file ? readConfigFile(file) : {};
  const fromEnvironment = configFromEnvironment(env, schema);
  const flags = options.flags ?? {};
  let raw: Json = deepMerge(deepMerge(fromFile, fromEnvironment), flags);
  // Plug-ins add up: the file's, the environment's and the flags' are all loaded.
  const plugins = [fromFile, fromEnvironment, flags].flatMap((source) =>
    Array.isArray(source.plugins) ? (source.plugins as unknown[]) : [],
  );
  if (plugins.length > 0) raw = { ...raw, plugins: [...new Set(plugins)] };
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    const keys = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
    throw new ConfigError(`invalid setting ${where}${keys}: ${issue.message}`);
  }
  return deepFreeze(result.data);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** The adapters this configuration starts, in the gateway's order. */
export function enabledAdapters(
  config: GatewayConfig,
  registry: readonly AdapterDefinition<unknown>[] = adapters,
) {
  return registry.filter((definition) => !config.only || config.only.includes(definition.name));
}

export function adapterSettings(
  config: GatewayConfig,
  name: string,
): { port: number; tls: boolean; options: Json } {
  const {
    port: adapterPort,
    tls,
    ...options
  } = (config.adapters as Record<string, Json & { port: number; tls: boolean }>)[name]!;
  return { port: adapterPort, tls, options };
}

/** The TLS files, when both are configured. */
export function tlsFiles(config: GatewayConfig): { cert: string; key: string } | null {
  const { cert, key } = config.tls;
  return cert !== undefined && key !== undefined ? { cert, key } : null;
}
