import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import type { TerminalClient } from '@switchboard/core';

/**
 * `switchboard connect --plugin MODULE line-chat HOST PORT NAME`: what the user types goes out
 * line by line (`@NAME TEXT` for a direct message), what arrives is printed as `SENDER: TEXT`.
 */
export const lineChatTerminal: TerminalClient = {
  usage: ['--plugin MODULE line-chat HOST PORT NAME'],
  run({ target, tls, input, output, errors, usageError }) {
    const [host, rawPort, name, ...extra] = target;
    const port = Number(rawPort);
    if (!host || !name || !Number.isInteger(port) || port < 1 || port > 65_535 || extra.length > 0)
      return Promise.resolve(usageError('line-chat needs HOST PORT NAME'));
    if (tls.enabled) return Promise.resolve(usageError('line-chat has no TLS client'));
    return new Promise((resolve) => {
      const socket = connect({ host, port });
      socket.setEncoding('utf8');
      let pending = '';
      socket.on('connect', () => socket.write(`${name}\n`));
      socket.on('data', (chunk: string) => {
        pending += chunk;
        for (let newline = pending.indexOf('\n'); newline >= 0; newline = pending.indexOf('\n')) {
          const [kind, sender = '', text = ''] = pending.slice(0, newline).split('\t');
          pending = pending.slice(newline + 1);
          if (kind === 'welcome') output.write(`You are ${sender}. @NAME TEXT sends a direct message.\n`);
          else if (kind === 'error') errors.write(`line-chat: ${sender}\n`);
          else output.write(`${sender}${kind === 'direct' ? ' (direct)' : ''}: ${text}\n`);
        }
      });
      const lines = createInterface({ input });
      lines.on('line', (line) => socket.write(`${line}\n`));
      // The end of the input is a polite goodbye: the server closes, then so do we.
      lines.on('close', () => socket.end());
      socket.on('error', (error) => errors.write(`line-chat: ${error.message}\n`));
      socket.on('close', (hadError) => {
        lines.close();
        resolve(hadError ? 1 : 0);
      });
    });
  },
};
