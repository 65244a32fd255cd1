import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CidrError, CidrSet, parseCidr } from './cidr.ts';

describe('CidrSet', () => {
  it('matches IPv4 ranges, bare addresses and nothing else', () => {
    const set = new CidrSet(['10.0.0.0/8', '192.168.1.7']);
    expect(set.contains('10.255.3.4')).toBe(true);
    expect(set.contains('11.0.0.1')).toBe(false);
    expect(set.contains('192.168.1.7')).toBe(true);
    expect(set.contains('192.168.1.8')).toBe(false);
    expect(set.contains('not an address')).toBe(false);
  });

  it('matches IPv6 ranges', () => {
    const set = new CidrSet(['2001:db8::/32', '::1']);
    expect(set.contains('2001:db8:ffff::1')).toBe(true);
    expect(set.contains('2001:db9::1')).toBe(false);
    expect(set.contains('::1')).toBe(true);
    expect(set.contains('::2')).toBe(false);
  });

  it('matches IPv4-mapped IPv6 addresses against IPv4 ranges, and mapped ranges against IPv4', () => {
    expect(new CidrSet(['127.0.0.0/8']).contains('::ffff:127.0.0.1')).toBe(true);
    expect(new CidrSet(['127.0.0.0/8']).contains('::FFFF:128.0.0.1')).toBe(false);
    const mapped = new CidrSet(['::ffff:10.0.0.0/104']);
    expect(mapped.contains('10.1.2.3')).toBe(true);
    expect(mapped.contains('::ffff:10.1.2.3')).toBe(true);
    expect(mapped.contains('11.1.2.3')).toBe(false);
  });

  it('an empty set trusts nobody', () => {
    expect(new CidrSet([]).contains('127.0.0.1')).toBe(false);
  });

  it('refuses what is not a range, naming it', () => {
    for (const bad of ['10.0.0.0/33', '::/129', 'example.com', '10.0.0.0/', '10.0.0.0/x', '']) {
      expect(() => parseCidr(bad)).toThrow(CidrError);
    }
    expect(() => new CidrSet(['10.0.0.0/8', 'nope'])).toThrow(/"nope"/);
  });
});

describe('CidrSet, properties', () => {
  const octets = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255));
  it('an IPv4 range holds exactly the addresses whose first prefix bits match, mapped or not', () => {
    fc.assert(
      fc.property(octets, octets, fc.integer({ min: 0, max: 32 }), (network, probe, prefix) => {
        const toInt = (o: number[]) => ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0;
        const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
        const expected = (toInt(network) & mask) >>> 0 === (toInt(probe) & mask) >>> 0;
        const set = new CidrSet([`${network.join('.')}/${prefix}`]);
        expect(set.contains(probe.join('.'))).toBe(expected);
        expect(set.contains(`::ffff:${probe.join('.')}`)).toBe(expected);
      }),
      { numRuns: 2_000 },
    );
  });
});
