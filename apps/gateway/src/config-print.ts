import type { AdapterDefinition } from '@switchboard/core';
import { adapters } from './adapters.ts';
import {
  ConfigError,
  configFromEnvironment,
  configSchemaFor,
  environmentVariables,
  type FlagValues,
  type GatewayConfig,
  loadConfig,
  readConfigFile,
} from './config.ts';

/** Where an effective setting came from, in the order they win: flag > environment > file > default. */
export type SettingSource = 'flag' | 'environment' | 'file' | 'default';

export interface EffectiveSetting {
  /** The setting's path in the config file, dotted: `adapters.json-ws.port`. */
  setting: string;
  /** The value the gateway runs with, secrets masked; `undefined` when unset. */
  value: unknown;
  source: SettingSource;
  /** The environment variable of this setting (set or not). */
  variable: string;
}

export interface ConfigPrintOptions {
  /** `--config FILE`; else SWITCHBOARD_CONFIG. */
  file?: string | undefined;
  /** The flags of `switchboard serve`, mapped to config paths. */
  flags: FlagValues;
  env: NodeJS.ProcessEnv;
  /** Every adapter `serve` would run: the built-ins and the plug-ins it would load. */
  registry?: readonly AdapterDefinition<unknown>[];
  json?: boolean;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

const MASK = '********';
/** Settings whose value is a credential: shown as set, never shown. */
const SECRET_KEY = /token|password|secret/i;

/**
 * Every setting of the configuration `serve` would run with (same flags, environment and file),
 * with its value and where it came from. Throws {@link ConfigError} as `serve` would.
 */
export function effectiveSettings(options: Omit<ConfigPrintOptions, 'out' | 'err' | 'json'>): {
  file: string | undefined;
  settings: EffectiveSetting[];
} {
  const file = options.file ?? options.env.SWITCHBOARD_CONFIG;
  const registry = options.registry ?? adapters;
  const schema = configSchemaFor(registry);
  const config = loadConfig({ file, env: options.env, flags: options.flags, registry });
  const layers: Array<[SettingSource, Record<string, unknown>]> = [
    ['flag', options.flags],
    ['environment', configFromEnvironment(options.env, schema)],
    ['file', file ? readConfigFile(file) : {}],
  ];
  const settings: EffectiveSetting[] = [];
  for (const [variable, path] of environmentVariables(schema)) {
    const source = layers.find(([, layer]) => lookup(layer, path) !== undefined)?.[0] ?? 'default';
    settings.push({
      setting: path.join('.'),
      value: masked(path, lookup(config as GatewayConfig & Record<string, unknown>, path)),
      source,
      variable,
    });
  }
  return { file, settings };
}

/** `switchboard config print [serve's flags] [--json]`: exit 0, or 2 for a bad configuration. */
export function runConfigPrint(options: ConfigPrintOptions): number {
  let result: ReturnType<typeof effectiveSettings>;
  try {
    result = effectiveSettings(options);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    options.err.write(`switchboard: ${error.message}\n`);
    return 2;
  }
  const { file, settings } = result;
  if (options.json) {
    options.out.write(`${JSON.stringify({ file: file ?? null, settings }, null, 2)}\n`);
    return 0;
  }
  const rows = settings.map((entry) => [
    entry.setting,
    entry.value === undefined
      ? '(not set)'
      : typeof entry.value === 'string'
        ? entry.value
        : JSON.stringify(entry.value),
    entry.source === 'environment' ? `environment ${entry.variable}` : entry.source,
  ]);
  const widths = [0, 1].map((column) => Math.max(...rows.map((row) => row[column]!.length), 7));
  const line = (row: string[]) =>
    `${row[0]!.padEnd(widths[0]!)}  ${row[1]!.padEnd(widths[1]!)}  ${row[2]}`.trimEnd();
  options.out.write(`config file: ${file ?? '(none)'}\n`);
  options.out.write(`${line(['SETTING', 'VALUE', 'FROM'])}\n`);
  for (const row of rows) options.out.write(`${line(row)}\n`);
  return 0;
}

function lookup(tree: Record<string, unknown>, path: string[]): unknown {
  let node: unknown = tree;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Credentials hidden: secret settings whole, and the password inside a Redis URL. */
function masked(path: string[], value: unknown): unknown {
  if (value === undefined) return value;
  if (SECRET_KEY.test(path.at(-1) ?? '')) return MASK;
  if (typeof value === 'string' && /^rediss?(\+cluster)?:\/\//.test(value))
    return value.replace(/^([^:]+:\/\/)([^@/]*)@/, (_, scheme: string, credentials: string) => {
      const colon = credentials.indexOf(':');
      return `${scheme}${colon === -1 ? MASK : `${credentials.slice(0, colon)}:${MASK}`}@`;
    });
  return value;
}
