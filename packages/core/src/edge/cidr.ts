import { BlockList } from 'node:net';
import { ipVersion, normalizeAddress } from './ip-address.ts';

/** `::ffff:a.b.c.d/p` with p ≥ 96 is the IPv4 range a.b.c.d/(p − 96). */
const MAPPED_CIDR = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

export class CidrError extends Error {
  override name = 'CidrError';
}

interface ParsedCidr {
  network: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** `10.0.0.0/8`, `2001:db8::/32`, `::ffff:10.0.0.0/104`, or a bare address (a /32 or /128). */
export function parseCidr(text: string): ParsedCidr {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const rawNetwork = slash === -1 ? trimmed : trimmed.slice(0, slash);
  const rawPrefix = slash === -1 ? null : trimmed.slice(slash + 1);
  const version = ipVersion(rawNetwork);
  if (version === 0) throw new CidrError(`${JSON.stringify(text)} is not an IP address or CIDR range`);
  const max = version === 4 ? 32 : 128;
  if (rawPrefix !== null && !/^\d{1,3}$/.test(rawPrefix))
    throw new CidrError(`${JSON.stringify(text)} has no valid prefix length`);
  const prefix = rawPrefix === null ? max : Number(rawPrefix);
  if (prefix > max) throw new CidrError(`${JSON.stringify(text)}: prefix longer than ${max} bits`);
  const mapped = version === 6 ? MAPPED_CIDR.exec(rawNetwork) : null;
  if (mapped && prefix >= 96) return { network: mapped[1]!, prefix: prefix - 96, family: 'ipv4' };
  return { network: rawNetwork, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/**
 * The `trustProxy` ranges. IPv4-mapped IPv6 addresses match the IPv4 ranges (a dual-stack
 * listener reports IPv4 peers that way), so `10.0.0.0/8` trusts `::ffff:10.1.2.3` too.
 */
export class CidrSet {
  readonly #list = new BlockList();
  readonly size: number;

  constructor(ranges: readonly string[]) {
    for (const range of ranges) {
      const { network, prefix, family } = parseCidr(range);
      this.#list.addSubnet(network, prefix, family);
    }
    this.size = ranges.length;
  }

  contains(address: string): boolean {
    if (this.size === 0) return false;
    const normal = normalizeAddress(address);
    const version = ipVersion(normal);
    if (version === 0) return false;
    return this.#list.check(normal, version === 4 ? 'ipv4' : 'ipv6');
  }
}
