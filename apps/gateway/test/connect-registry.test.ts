import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { adapters } from '../src/adapters.ts';
import { runConnectCommand } from '../src/connect-command.ts';

/** `switchboard connect` takes its clients from the registry: each definition's terminalClient. */
async function connect(protocol: string, target: string[]): Promise<{ code: number; errors: string }> {
  const errors = new PassThrough();
  let text = '';
  errors.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  const code = await runConnectCommand(protocol, target, {
    input: new PassThrough(),
    output: new PassThrough(),
    errors,
  });
  return { code, errors: text };
}

describe('switchboard connect, from the registry', () => {
  it("lists every registered adapter's terminal client in its usage", async () => {
    const { code, errors } = await connect('gopher', []);
    expect(code).toBe(2);
    expect(errors.split('\n')[0]).toBe('switchboard connect: unknown protocol "gopher"');
    for (const definition of adapters) {
      const client = await definition.terminalClient?.();
      for (const line of client?.usage ?? []) expect(errors).toContain(`switchboard connect ${line}\n`);
    }
    expect(errors).toMatch(/\nusage: switchboard connect /);
  });

  it('says so for a registered adapter without a terminal client (irc: any IRC client)', async () => {
    const { code, errors } = await connect('irc', ['127.0.0.1', '6667']);
    expect(code).toBe(2);
    expect(errors).toMatch(
      /^switchboard connect: irc has no terminal client here; any client of the protocol will do\n/,
    );
  });

  it("hands a client's own usage error back with the usage", async () => {
    const { code, errors } = await connect('soh', ['127.0.0.1']);
    expect(code).toBe(2);
    expect(errors).toMatch(/^switchboard connect: soh needs HOST PORT\nusage: switchboard connect /);
  });
});
