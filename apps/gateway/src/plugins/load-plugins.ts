import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type AdapterDefinition, adapterDefinitionProblem } from '@switchboard/core';
import { z } from 'zod';
import { environmentVariables } from '../config.ts';

/** A plug-in that cannot be used: the start stops with exit 2 and this message. */
export class PluginError extends Error {
  override name = 'PluginError';
}

/** An adapter loaded from outside the gateway, and the module it came from. */
export interface LoadedPlugin {
  readonly module: string;
  readonly definition: AdapterDefinition<unknown>;
}

const isPath = (specifier: string) =>
  specifier.startsWith('.') || isAbsolute(specifier) || specifier.startsWith('file:');

/**
 * Where `specifier` is: a path from the working directory, or a package name found from it
 * (where an operator installs a plug-in), else from the gateway's own installation.
 */
function locate(specifier: string, cwd: string): string {
  if (specifier.startsWith('file:')) return specifier;
  if (isPath(specifier)) return pathToFileURL(resolve(cwd, specifier)).href;
  try {
    return pathToFileURL(createRequire(join(cwd, 'package.json')).resolve(specifier)).href;
  } catch {
    // An ESM-only package (no `require` condition) or one installed beside the gateway.
    return specifier;
  }
}

/** The module's adapter: its default export, else its one named export that is an adapter. */
function adapterOf(specifier: string, namespace: Record<string, unknown>): AdapterDefinition<unknown> {
  const fallback = namespace.default;
  if (fallback !== undefined) {
    const problem = adapterDefinitionProblem(fallback);
    if (problem)
      throw new PluginError(`plugin ${specifier}: its default export is not an adapter (${problem})`);
    return fallback as AdapterDefinition<unknown>;
  }
  const named = Object.entries(namespace).filter(([, value]) => adapterDefinitionProblem(value) === null);
  if (named.length === 1) return named[0]![1] as AdapterDefinition<unknown>;
  if (named.length > 1)
    throw new PluginError(
      `plugin ${specifier}: exports several adapters (${named.map(([key]) => key).join(', ')}); export the one to load as default`,
    );
  throw new PluginError(
    `plugin ${specifier}: exports no adapter (a default export made with defineAdapter, see docs/writing-an-adapter.md)`,
  );
}

const screamingName = (name: string) => name.replace(/-/g, '_').toUpperCase();

/** Each setting of an adapter as an environment name, the way config.ts derives them. */
function settingVariables(definition: AdapterDefinition<unknown>): string[] {
  const schema = definition.optionsSchema;
  const keys = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
  const prefix = `SWITCHBOARD_${screamingName(definition.name)}_`;
  return ['port', 'tls', ...keys].map(
    (key) =>
      prefix +
      key
        .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
        .replace(/-/g, '_')
        .toUpperCase(),
  );
}

/**
 * Imports each plug-in and checks it fits beside `builtIns` and the plug-ins before it: a valid
 * definition, a name of its own, settings whose environment names are not already someone else's.
 * Throws {@link PluginError} naming the plug-in at the first that does not.
 */
export async function loadPlugins(
  specifiers: readonly string[],
  builtIns: readonly AdapterDefinition<unknown>[],
  cwd = process.cwd(),
): Promise<LoadedPlugin[]> {
  const owners = new Map<string, string>(
    builtIns.map((definition) => [definition.name, `the built-in ${definition.name} adapter`]),
  );
  // Top-level settings too: a plug-in called `admin` would take over --admin-port.
  for (const key of ['admin', 'tls', 'limits', 'throttle', 'cluster', 'plugins', 'ports'])
    owners.set(key, `the gateway's ${key} settings`);
  const variables = new Map<string, string>();
  for (const variable of environmentVariables().keys()) variables.set(variable, 'the gateway');
  const loaded: LoadedPlugin[] = [];
  for (const specifier of specifiers) {
    let namespace: Record<string, unknown>;
    try {
      namespace = (await import(locate(specifier, cwd))) as Record<string, unknown>;
    } catch (error) {
      throw new PluginError(`plugin ${specifier}: cannot be loaded: ${(error as Error).message}`);
    }
    const definition = adapterOf(specifier, namespace);
    const owner = owners.get(definition.name);
    if (owner)
      throw new PluginError(`plugin ${specifier}: the adapter name ${definition.name} is taken by ${owner}`);
    for (const variable of settingVariables(definition)) {
      const holder = variables.get(variable);
      if (holder)
        throw new PluginError(`plugin ${specifier}: its setting ${variable} is already one of ${holder}'s`);
      variables.set(variable, `plugin ${specifier}`);
    }
    owners.set(definition.name, `plugin ${specifier}`);
    loaded.push({ module: specifier, definition });
  }
  return loaded;
}

/** A config error about a plug-in's own settings, told with the plug-in's name (else unchanged). */
export function namingPlugin(message: string, plugins: readonly LoadedPlugin[]): string {
  const adapter = /^invalid setting adapters\.([^.\s]+)/.exec(message)?.[1];
  const plugin = plugins.find((candidate) => candidate.definition.name === adapter);
  return plugin ? `plugin ${plugin.module} (adapter ${adapter}): ${message}` : message;
}
