import { silentLogger } from '@switchboard/core';
import { runAdapterContract } from '@switchboard/core/testing';
import lineChat from '../../../examples/line-chat-adapter/src/index.ts';
import { driver } from '../../../examples/line-chat-adapter/src/testing.ts';

// The adapter docs/writing-an-adapter.md builds passes the same contract as the built-in ones.
runAdapterContract('line-chat (the example plug-in)', {
  start: (hub, options) =>
    lineChat.start({
      hub,
      logger: silentLogger,
      host: '127.0.0.1',
      port: 0,
      options: lineChat.optionsSchema.parse(options ?? {}),
    }),
  driver,
});
