import { silentLogger } from '@switchboard/core';
import { runAdapterContract } from '@switchboard/core/testing';
import { registryDrivers } from './registry-drivers.ts';

// The adapter contract over every registered adapter, each driven by its own exported driver
// and started as the gateway would start it: its default options, but for the few a test sets
// (a short deadline or close grace, named by the driver).
for (const { definition, driver } of await registryDrivers()) {
  runAdapterContract(definition.name, {
    start: (hub, options = {}) =>
      definition.start({
        hub,
        logger: silentLogger,
        host: '127.0.0.1',
        port: 0,
        options: definition.optionsSchema.parse(options),
      }),
    driver,
  });
}
