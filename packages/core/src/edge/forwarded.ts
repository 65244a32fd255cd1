import type { IncomingHttpHeaders } from 'node:http';
import type { CidrSet } from './cidr.ts';
import { ipVersion, normalizeAddress } from './ip-address.ts';

/** Hops looked at from the right; a longer chain is a client's own invention past this point. */
const MAX_HOPS = 32;

/**
 * The client address of an HTTP request that came through `peer`. Only a trusted peer's
 * forwarding headers count: from the right, every hop that is itself a trusted proxy is skipped
 * and the first one that is not is the client (hops to its left are whatever that client
 * claimed). `Forwarded` (RFC 7239) wins over `X-Forwarded-For` when both are there. A hop that
 * is no IP address (`unknown`, an obfuscated name, garbage) ends the walk at the last proxy.
 */
export function forwardedClientAddress(peer: string, headers: IncomingHttpHeaders, trusted: CidrSet): string {
  const direct = normalizeAddress(peer);
  if (!trusted.contains(direct)) return direct;
  const hops = forwardedHops(headers);
  if (hops === null) return direct;
  let client = direct;
  for (let i = hops.length - 1, seen = 0; i >= 0 && seen < MAX_HOPS; i -= 1, seen += 1) {
    const hop = hopAddress(hops[i]!);
    if (hop === null) return client;
    client = hop;
    if (!trusted.contains(hop)) return hop;
  }
  return client;
}

function forwardedHops(headers: IncomingHttpHeaders): string[] | null {
  const forwarded = headers.forwarded;
  if (typeof forwarded === 'string' && forwarded.length > 0) return forwardedFor(forwarded);
  const xff = headers['x-forwarded-for'];
  const joined = Array.isArray(xff) ? xff.join(',') : xff;
  if (typeof joined !== 'string' || joined.length === 0) return null;
  return joined.split(',').map((hop) => hop.trim());
}

/** The `for=` of each element of a `Forwarded` header; an element without one is an unknown hop. */
function forwardedFor(header: string): string[] {
  return header.split(',').map((element) => {
    for (const pair of element.split(';')) {
      const equals = pair.indexOf('=');
      if (equals === -1) continue;
      if (pair.slice(0, equals).trim().toLowerCase() !== 'for') continue;
      const value = pair.slice(equals + 1).trim();
      return value.startsWith('"') && value.endsWith('"') && value.length >= 2 ? value.slice(1, -1) : value;
    }
    return '';
  });
}

/** `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`, `[2001:db8::1]`, `[2001:db8::1]:4711`, else null. */
function hopAddress(hop: string): string | null {
  let candidate = hop;
  if (candidate.startsWith('[')) {
    const close = candidate.indexOf(']');
    if (close === -1) return null;
    candidate = candidate.slice(1, close);
  } else if (candidate.includes('.') && candidate.indexOf(':') === candidate.lastIndexOf(':')) {
    candidate = candidate.split(':')[0]!;
  }
  return ipVersion(candidate) === 0 ? null : normalizeAddress(candidate);
}
