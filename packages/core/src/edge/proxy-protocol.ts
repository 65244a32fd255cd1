import { isIPv4, isIPv6 } from 'node:net';

/**
 * PROXY protocol headers (haproxy.org/download/2.9/doc/proxy-protocol.txt), parsed purely from
 * the bytes a connection starts with. A proxy sends the header once, before any byte of the
 * client's; it names the client's address, which then counts as the connection's.
 */

/** v1: `PROXY TCP4 src dst sport dport\r\n`, at most 107 bytes with the CRLF (spec §2.1). */
export const PROXY_V1_MAX_BYTES = 107;
/** v2: 16 fixed bytes, then addresses and TLVs. Longer headers (heaps of TLVs) are refused. */
export const PROXY_V2_MAX_BYTES = 16 + 2_048;
export const PROXY_V2_SIGNATURE = Buffer.from([
  0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
]);
const V1_SIGNATURE = Buffer.from('PROXY ');

export interface ProxiedAddress {
  address: string;
  port: number;
}

export type ProxyHeader =
  /** More bytes are needed; what came so far can still be a header. */
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'invalid'; readonly reason: string }
  /**
   * `length` bytes were the header. `source` is null for a header that names no client (v1
   * UNKNOWN, v2 LOCAL or an address family without IP): the proxy speaks for itself.
   */
  | { readonly kind: 'header'; readonly length: number; readonly source: ProxiedAddress | null };

const INCOMPLETE: ProxyHeader = Object.freeze({ kind: 'incomplete' });
const invalid = (reason: string): ProxyHeader => ({ kind: 'invalid', reason });

/** Whether `bytes` (a connection's first bytes) begin with, or could still become, a PROXY signature. */
export function proxySignature(bytes: Buffer): 'yes' | 'no' | 'maybe' {
  const v1 = prefixMatch(bytes, V1_SIGNATURE);
  const v2 = prefixMatch(bytes, PROXY_V2_SIGNATURE);
  if (v1 === 'yes' || v2 === 'yes') return 'yes';
  return v1 === 'maybe' || v2 === 'maybe' ? 'maybe' : 'no';
}

function prefixMatch(bytes: Buffer, signature: Buffer): 'yes' | 'no' | 'maybe' {
  const n = Math.min(bytes.length, signature.length);
  if (bytes.compare(signature, 0, n, 0, n) !== 0) return 'no';
  return n === signature.length ? 'yes' : 'maybe';
}

/** Parses the header at the start of `bytes`; the bytes after it belong to the protocol. */
export function parseProxyHeader(bytes: Buffer): ProxyHeader {
  switch (proxySignature(bytes)) {
    case 'maybe':
      return INCOMPLETE;
    case 'no':
      return invalid('no PROXY protocol header');
    default:
      return bytes[0] === 0x50 ? parseV1(bytes) : parseV2(bytes);
  }
}

function parseV1(bytes: Buffer): ProxyHeader {
  const end = bytes.indexOf('\r\n', 0, 'latin1');
  const limit = Math.min(bytes.length, PROXY_V1_MAX_BYTES);
  if (end === -1 || end + 2 > PROXY_V1_MAX_BYTES) {
    // A lone CR at the very end may still be followed by its LF.
    return limit < PROXY_V1_MAX_BYTES ? INCOMPLETE : invalid('PROXY v1 header longer than 107 bytes');
  }
  const line = bytes.toString('latin1', 0, end);
  const length = end + 2;
  const parts = line.split(' ');
  if (parts[1] === 'UNKNOWN') return { kind: 'header', length, source: null };
  if (parts.length !== 6) return invalid('PROXY v1 header needs 6 fields');
  const [, family, source, destination, sourcePort, destinationPort] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const isFamily = family === 'TCP4' ? isIPv4 : family === 'TCP6' ? isIPv6 : null;
  if (!isFamily) return invalid(`PROXY v1 protocol ${JSON.stringify(family)} is not TCP4, TCP6 or UNKNOWN`);
  if (!isFamily(source) || !isFamily(destination)) return invalid(`PROXY v1 address is not ${family}`);
  const port = parsePort(sourcePort);
  if (port === null || parsePort(destinationPort) === null) return invalid('PROXY v1 port is not 0–65535');
  return { kind: 'header', length, source: { address: source, port } };
}

function parsePort(text: string): number | null {
  // The spec forbids leading zeros; a port is 1–5 digits up to 65535.
  if (!/^(0|[1-9]\d{0,4})$/.test(text)) return null;
  const port = Number(text);
  return port <= 65_535 ? port : null;
}

const V2_FIXED = 16;
const COMMAND_LOCAL = 0x0;
const COMMAND_PROXY = 0x1;
const FAMILY_INET = 0x1;
const FAMILY_INET6 = 0x2;
const TRANSPORT_DGRAM = 0x2;

function parseV2(bytes: Buffer): ProxyHeader {
  if (bytes.length < V2_FIXED) return INCOMPLETE;
  const versionCommand = bytes[12]!;
  if (versionCommand >> 4 !== 2) return invalid('PROXY v2 header of an unknown version');
  const command = versionCommand & 0x0f;
  if (command !== COMMAND_LOCAL && command !== COMMAND_PROXY)
    return invalid('PROXY v2 header with an unknown command');
  const family = bytes[13]! >> 4;
  const transport = bytes[13]! & 0x0f;
  const length = V2_FIXED + bytes.readUInt16BE(14);
  if (length > PROXY_V2_MAX_BYTES) return invalid(`PROXY v2 header longer than ${PROXY_V2_MAX_BYTES} bytes`);
  if (bytes.length < length) return INCOMPLETE;
  // LOCAL: the proxy's own connection (a health check); whatever addresses follow are ignored.
  if (command === COMMAND_LOCAL) return { kind: 'header', length, source: null };
  if (transport === TRANSPORT_DGRAM) return invalid('PROXY v2 header for a datagram on a stream');
  if (family === FAMILY_INET) {
    if (length < V2_FIXED + 12) return invalid('PROXY v2 IPv4 header too short for its addresses');
    const address = `${bytes[16]}.${bytes[17]}.${bytes[18]}.${bytes[19]}`;
    return { kind: 'header', length, source: { address, port: bytes.readUInt16BE(24) } };
  }
  if (family === FAMILY_INET6) {
    if (length < V2_FIXED + 36) return invalid('PROXY v2 IPv6 header too short for its addresses');
    const groups: string[] = [];
    for (let offset = 16; offset < 32; offset += 2) groups.push(bytes.readUInt16BE(offset).toString(16));
    return { kind: 'header', length, source: { address: compactIPv6(groups), port: bytes.readUInt16BE(48) } };
  }
  // UNSPEC or UNIX: no IP address to take; the proxy's address stands.
  return { kind: 'header', length, source: null };
}

/** RFC 5952 spelling, so one client has one key in the limits whatever its proxy sent. */
function compactIPv6(groups: string[]): string {
  if (groups.slice(0, 5).every((group) => group === '0') && groups[5] === 'ffff') {
    const tail = groups.slice(6).map((group) => Number.parseInt(group, 16));
    return `::ffff:${tail[0]! >> 8}.${tail[0]! & 0xff}.${tail[1]! >> 8}.${tail[1]! & 0xff}`;
  }
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== '0') {
      i += 1;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j += 1;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  if (bestStart === -1) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLength).join(':')}`;
}

/** A v1 header line, as a proxy would send it (tests and tools). */
export function encodeProxyV1(source: ProxiedAddress, destination: ProxiedAddress): Buffer {
  const family = isIPv6(source.address) ? 'TCP6' : 'TCP4';
  return Buffer.from(
    `PROXY ${family} ${source.address} ${destination.address} ${source.port} ${destination.port}\r\n`,
    'latin1',
  );
}

/** A v2 PROXY header for a TCP client (tests and tools); `tlvs` are appended as they are. */
export function encodeProxyV2(
  source: ProxiedAddress,
  destination: ProxiedAddress,
  tlvs: Buffer = Buffer.alloc(0),
): Buffer {
  const v6 = isIPv6(source.address);
  const addresses = Buffer.alloc(v6 ? 36 : 12);
  const size = v6 ? 16 : 4;
  writeAddress(addresses, 0, source.address, v6);
  writeAddress(addresses, size, destination.address, v6);
  addresses.writeUInt16BE(source.port, size * 2);
  addresses.writeUInt16BE(destination.port, size * 2 + 2);
  const fixed = Buffer.alloc(4);
  fixed[0] = 0x20 | COMMAND_PROXY;
  fixed[1] = ((v6 ? FAMILY_INET6 : FAMILY_INET) << 4) | 0x1;
  fixed.writeUInt16BE(addresses.length + tlvs.length, 2);
  return Buffer.concat([PROXY_V2_SIGNATURE, fixed, addresses, tlvs]);
}

function writeAddress(target: Buffer, offset: number, address: string, v6: boolean): void {
  if (!v6) {
    address.split('.').forEach((part, i) => {
      target[offset + i] = Number(part);
    });
    return;
  }
  const [head = '', tail = ''] = address.includes('::') ? address.split('::') : [address, ''];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups = [
    ...headGroups,
    ...Array(8 - headGroups.length - tailGroups.length).fill('0'),
    ...tailGroups,
  ];
  for (const [i, group] of groups.entries()) target.writeUInt16BE(Number.parseInt(group, 16), offset + i * 2);
}
