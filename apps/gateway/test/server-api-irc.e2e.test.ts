/**
 * The server API and the sixth protocol: an IRC client sees a system message as a PRIVMSG from
 * the system sender (to its nick when direct, to #main otherwise), and a disconnect as IRC's
 * `ERROR :Closing Link` before the server closes; the system sender's nick cannot be taken.
 */
import { IrcTestClient, nickOfPrefix } from '@switchboard/adapter-irc/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, SYSTEM } from './e2e/five-clients.ts';
import { type Gateway, killAll, startGateway, troubleLines } from './e2e/fleet.ts';
import { tempDir } from './gateway-process.ts';

let gateway: Gateway;
const ircPort = () => gateway.ports.irc!;
beforeAll(async () => {
  gateway = await startGateway('irc', ['--data-dir', tempDir(), '--only', 'irc', '--irc-port=0']);
});
afterAll(async () => {
  expect(troubleLines(gateway)).toEqual([]);
  await killAll();
});

describe('the server API on IRC', () => {
  it('system messages arrive as PRIVMSG from the system sender; a kick is ERROR, then the close', async () => {
    const ivy = new IrcTestClient(ircPort());
    await ivy.register('ivy');

    const direct = await api(gateway, 'POST', '/admin/messages', { text: 'just ivy', to: ['ivy'] });
    expect(direct.body).toMatchObject({ delivered: ['ivy'] });
    const privmsg = await ivy.expectCommand('PRIVMSG');
    expect([nickOfPrefix(privmsg.prefix), ...privmsg.params]).toEqual([SYSTEM, 'ivy', 'just ivy']);

    await api(gateway, 'POST', '/admin/messages', { text: 'to #main' });
    const broadcast = await ivy.expectCommand('PRIVMSG');
    expect([nickOfPrefix(broadcast.prefix), ...broadcast.params]).toEqual([SYSTEM, '#main', 'to #main']);

    const kicked = await api(gateway, 'POST', '/admin/users/ivy/disconnect');
    expect(kicked).toEqual({ status: 200, body: { name: 'ivy', closed: 1, missingGateways: 0 } });
    const error = await ivy.expectCommand('ERROR');
    expect(error.params.at(-1)).toBe('Closing Link: ivy (Disconnected by an administrator)');
    await ivy.waitClosed();
  });

  it('the system sender is not a nick anyone can take', async () => {
    const impostor = new IrcTestClient(ircPort());
    impostor.send(`NICK ${SYSTEM}`, 'USER u 0 * :Impostor');
    const refused = await impostor.expect((line) => /^\d{3}$/.test(line.command), 'a numeric');
    // As a registered nick: nobody knows a password that works for it.
    expect(refused.command).toBe('433');
    expect(refused.params.at(-1)).toMatch(/registered/);
    impostor.socket.destroy();
  });
});
