import type { AdapterDefinition } from '@switchboard/core';
import type { AdapterContractDriver } from '@switchboard/core/testing';
import { adapterPackage, adapters } from '../src/adapters.ts';

/** A registered adapter and the driver its package's `./testing` entry exports. */
export interface DrivenAdapter {
  readonly definition: AdapterDefinition<unknown>;
  readonly driver: AdapterContractDriver;
}

/**
 * Every adapter of the registry with its test driver: what the contract run and the interop
 * matrix iterate over, so a new adapter joins both by exporting `driver` from `./testing`.
 * An adapter without one fails here, by name, rather than being left out quietly.
 */
export async function registryDrivers(
  registry: readonly AdapterDefinition<unknown>[] = adapters,
): Promise<DrivenAdapter[]> {
  return Promise.all(
    registry.map(async (definition) => {
      const entry = `${adapterPackage(definition.name)}/testing`;
      const testing = (await import(entry)) as { driver?: AdapterContractDriver };
      if (!testing.driver) throw new Error(`${entry} exports no \`driver\``);
      return { definition, driver: testing.driver };
    }),
  );
}
