import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CidrSet } from './cidr.ts';
import { forwardedClientAddress } from './forwarded.ts';

const trusted = new CidrSet(['10.0.0.0/8', '::1']);

describe('forwardedClientAddress', () => {
  it('ignores forwarding headers from an untrusted peer', () => {
    const headers = { 'x-forwarded-for': '1.2.3.4', forwarded: 'for=5.6.7.8' };
    expect(forwardedClientAddress('203.0.113.9', headers, trusted)).toBe('203.0.113.9');
  });

  it('takes the rightmost untrusted hop of X-Forwarded-For from a trusted peer', () => {
    // The client claimed 6.6.6.6 itself; 1.2.3.4 is what the first trusted proxy saw.
    const headers = { 'x-forwarded-for': '6.6.6.6, 1.2.3.4, 10.0.0.5' };
    expect(forwardedClientAddress('10.0.0.1', headers, trusted)).toBe('1.2.3.4');
  });

  it('prefers Forwarded, with quoted IPv6, ports and other parameters', () => {
    const headers = {
      forwarded: 'for=6.6.6.6, for="[2001:db8::17]:4711";proto=https, For=10.0.0.9:80;by=10.0.0.1',
      'x-forwarded-for': '9.9.9.9',
    };
    expect(forwardedClientAddress('::1', headers, trusted)).toBe('2001:db8::17');
  });

  it('without a header, or when every hop is a trusted proxy, falls back sensibly', () => {
    expect(forwardedClientAddress('10.0.0.1', {}, trusted)).toBe('10.0.0.1');
    expect(forwardedClientAddress('10.0.0.1', { 'x-forwarded-for': '10.0.0.2, 10.0.0.3' }, trusted)).toBe(
      '10.0.0.2',
    );
  });

  it('stops at a hop that is no address and keeps the last proxy', () => {
    expect(forwardedClientAddress('10.0.0.1', { forwarded: 'for=unknown' }, trusted)).toBe('10.0.0.1');
    expect(forwardedClientAddress('10.0.0.1', { 'x-forwarded-for': '1.2.3.4, _hidden' }, trusted)).toBe(
      '10.0.0.1',
    );
  });

  it('normalizes IPv4-mapped peers and hops', () => {
    expect(forwardedClientAddress('::ffff:10.0.0.1', { 'x-forwarded-for': '::ffff:1.2.3.4' }, trusted)).toBe(
      '1.2.3.4',
    );
    expect(forwardedClientAddress('::ffff:8.8.8.8', {}, trusted)).toBe('8.8.8.8');
  });
});

describe('forwardedClientAddress, properties', () => {
  it('any header text gives the peer or an IP address, never a throw or an untrusted-peer override', () => {
    const headerText = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc
        .array(
          fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom('unknown', '_x', '', '[::1]:80', '"1.2.3.4:5"')),
        )
        .map((hops) => hops.join(', ')),
    );
    fc.assert(
      fc.property(headerText, headerText, fc.boolean(), (xff, forwarded, fromTrusted) => {
        const peer = fromTrusted ? '10.0.0.1' : '203.0.113.1';
        const client = forwardedClientAddress(
          peer,
          { 'x-forwarded-for': xff, forwarded: `for=${forwarded}` },
          trusted,
        );
        if (!fromTrusted) expect(client).toBe(peer);
        expect(isIP(client)).not.toBe(0);
      }),
      { numRuns: 2_000 },
    );
  });
});
