import { describe, expect, it } from 'vitest';
import { tcpRoomsAdapter } from './tcp-rooms-adapter.ts';
import { tcpRoomsOptionsSchema } from './tcp-rooms-options.ts';

describe('tcpRoomsAdapter definition', () => {
  it('is named tcp-rooms on port 7070', () => {
    expect(tcpRoomsAdapter.name).toBe('tcp-rooms');
    expect(tcpRoomsAdapter.defaultPort).toBe(7070);
  });

  it('defaults every option, the zone to the process zone', () => {
    expect(tcpRoomsOptionsSchema.parse({})).toEqual({
      maxLineBytes: 4096,
      timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      logChat: true,
      maxSignupAttempts: 3,
      loginTimeoutMs: 60_000,
    });
  });

  it('takes valid settings', () => {
    const options = tcpRoomsOptionsSchema.parse({
      maxLineBytes: 100,
      timeZone: 'Europe/Berlin',
      logChat: false,
    });
    expect(options).toMatchObject({ maxLineBytes: 100, timeZone: 'Europe/Berlin', logChat: false });
  });

  it('refuses an unknown zone and bad numbers, naming the field', () => {
    const zone = tcpRoomsOptionsSchema.safeParse({ timeZone: 'Nowhere/Atlantis' });
    expect(zone.success).toBe(false);
    expect(zone.error?.issues[0]?.path).toEqual(['timeZone']);
    expect(tcpRoomsOptionsSchema.safeParse({ maxLineBytes: 0 }).success).toBe(false);
    expect(tcpRoomsOptionsSchema.safeParse({ maxLineBytes: 1.5 }).success).toBe(false);
    expect(tcpRoomsOptionsSchema.safeParse({ maxSignupAttempts: 0 }).success).toBe(false);
    expect(tcpRoomsOptionsSchema.safeParse({ logChat: 'yes' }).success).toBe(false);
    expect(tcpRoomsOptionsSchema.safeParse({ loginTimeoutMs: 0 }).success).toBe(false);
    expect(tcpRoomsOptionsSchema.safeParse({ loginTimeoutMs: 2.5 }).success).toBe(false);
  });
});
