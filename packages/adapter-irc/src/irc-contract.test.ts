import { silentLogger } from '@switchboard/core';
import { runAdapterContract } from '@switchboard/core/testing';
import { ircAdapter } from './index.ts';
import { ircDriver } from './testing/irc-driver.ts';

runAdapterContract('irc', {
  // The default options, but for those a contract rule sets (a short registration deadline).
  start: (hub, options = {}) =>
    ircAdapter.start({
      hub,
      logger: silentLogger,
      host: '127.0.0.1',
      port: 0,
      options: ircAdapter.optionsSchema.parse(options),
    }),
  driver: ircDriver,
});
