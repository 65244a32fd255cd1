import { ADAPTER_NAME, type AdapterDefinition } from './adapter.ts';

/**
 * Why `value` is not a usable {@link AdapterDefinition}, or null when it is. For modules loaded
 * at run time (plug-ins), where the type system cannot vouch for the shape.
 */
export function adapterDefinitionProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const candidate = value as Partial<Record<keyof AdapterDefinition, unknown>>;
  const { name, defaultPort, optionsSchema, start, terminalClient } = candidate;
  if (typeof name !== 'string') return 'no name';
  if (!ADAPTER_NAME.test(name))
    return `name ${JSON.stringify(name)} is not lower-case letters, digits and inner dashes`;
  if (
    typeof defaultPort !== 'number' ||
    !Number.isInteger(defaultPort) ||
    defaultPort < 1 ||
    defaultPort > 65_535
  )
    return `defaultPort ${String(defaultPort)} is not a port (1-65535)`;
  if (
    typeof optionsSchema !== 'object' ||
    optionsSchema === null ||
    typeof (optionsSchema as { safeParse?: unknown }).safeParse !== 'function'
  )
    return 'optionsSchema is not a zod schema';
  if (typeof start !== 'function') return 'start is not a function';
  if (terminalClient !== undefined && typeof terminalClient !== 'function')
    return 'terminalClient is not a function';
  return null;
}

/** Whether `value` is a usable adapter definition ({@link adapterDefinitionProblem} says why not). */
export function isAdapterDefinition(value: unknown): value is AdapterDefinition<unknown> {
  return adapterDefinitionProblem(value) === null;
}
