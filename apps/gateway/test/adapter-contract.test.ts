import { silentLogger } from '@switchboard/core';
import { runAdapterContract } from '@switchboard/core/testing';
import { registryDrivers } from './registry-drivers.ts';

// The adapter contract over every registered adapter, each driven by its own exported driver
// and started with its default options, as the gateway would start it.
for (const { definition, driver } of await registryDrivers()) {
  runAdapterContract(definition.name, {
    start: (hub) =>
      definition.start({
        hub,
        logger: silentLogger,
        host: '127.0.0.1',
        port: 0,
        options: definition.optionsSchema.parse({}),
      }),
    driver,
  });
}
