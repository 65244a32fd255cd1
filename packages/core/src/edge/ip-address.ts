import { isIPv4, isIPv6 } from 'node:net';

const MAPPED_PREFIX = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/**
 * One spelling per client address, so the per-address limits and the login throttle count a
 * client once whichever way a socket reports it: an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`,
 * what a dual-stack listener reports for IPv4 clients) becomes its IPv4 address.
 */
export function normalizeAddress(address: string): string {
  const mapped = MAPPED_PREFIX.exec(address);
  return mapped && isIPv4(mapped[1]!) ? mapped[1]! : address.toLowerCase();
}

/** 4, 6, or 0 when `address` is not an IP address. */
export function ipVersion(address: string): 0 | 4 | 6 {
  if (isIPv4(address)) return 4;
  return isIPv6(address) ? 6 : 0;
}
