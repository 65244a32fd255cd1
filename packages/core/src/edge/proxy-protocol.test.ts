import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeProxyV1,
  encodeProxyV2,
  PROXY_V1_MAX_BYTES,
  PROXY_V2_MAX_BYTES,
  PROXY_V2_SIGNATURE,
  parseProxyHeader,
  proxySignature,
} from './proxy-protocol.ts';

const v1 = (line: string) => parseProxyHeader(Buffer.from(line, 'latin1'));
const client = { address: '203.0.113.7', port: 51_234 };
const proxy = { address: '10.0.0.1', port: 7070 };

describe('PROXY v1', () => {
  it('reads TCP4 and TCP6 headers and says where the protocol starts', () => {
    const bytes = Buffer.concat([encodeProxyV1(client, proxy), Buffer.from('alice\n')]);
    expect(parseProxyHeader(bytes)).toEqual({ kind: 'header', length: bytes.length - 6, source: client });
    expect(v1('PROXY TCP6 2001:db8::1 ::1 443 7070\r\n')).toEqual({
      kind: 'header',
      length: 37,
      source: { address: '2001:db8::1', port: 443 },
    });
  });

  it('UNKNOWN names no client', () => {
    expect(v1('PROXY UNKNOWN\r\n')).toEqual({ kind: 'header', length: 15, source: null });
    expect(v1('PROXY UNKNOWN ffff:: ffff:: 1 2\r\n')).toMatchObject({ kind: 'header', source: null });
  });

  it('the longest legal header (107 bytes) is accepted; one byte more is refused', () => {
    const longest = `PROXY UNKNOWN ${'x'.repeat(PROXY_V1_MAX_BYTES - 16)}\r\n`;
    expect(longest.length).toBe(PROXY_V1_MAX_BYTES);
    expect(v1(longest)).toMatchObject({ kind: 'header', length: 107 });
    expect(v1(`PROXY UNKNOWN ${'x'.repeat(PROXY_V1_MAX_BYTES - 15)}\r\n`)).toMatchObject({ kind: 'invalid' });
    // No CRLF within 107 bytes: refused without waiting for more.
    expect(v1(`PROXY TCP4 ${'1'.repeat(200)}`)).toMatchObject({ kind: 'invalid' });
  });

  it('waits for more while the header is unfinished', () => {
    for (const partial of ['P', 'PROX', 'PROXY ', 'PROXY TCP4 1.2.3.4', 'PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r']) {
      expect(v1(partial)).toEqual({ kind: 'incomplete' });
    }
  });

  it('refuses malformed headers', () => {
    for (const bad of [
      'PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n',
      'PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n',
      'PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n',
      'PROXY TCP4 2001:db8::1 5.6.7.8 1 2\r\n',
      'PROXY TCP6 1.2.3.4 ::1 1 2\r\n',
      'PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n',
      'PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n',
      'PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n',
      'PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n',
      'PROXY TCP4 1.2.3.400 5.6.7.8 1 2\r\n',
      'HELLO\r\n',
      'proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n',
    ]) {
      expect(v1(bad), bad).toMatchObject({ kind: 'invalid' });
    }
  });
});

describe('PROXY v2', () => {
  it('reads IPv4 and IPv6 PROXY commands, skipping TLVs', () => {
    const tlv = Buffer.from([0x02, 0x00, 0x03, 0x61, 0x62, 0x63]);
    const four = encodeProxyV2(client, proxy, tlv);
    expect(parseProxyHeader(Buffer.concat([four, Buffer.from('rest')]))).toEqual({
      kind: 'header',
      length: four.length,
      source: client,
    });
    const six = encodeProxyV2({ address: '2001:db8::5', port: 1 }, { address: '::1', port: 2 });
    expect(parseProxyHeader(six)).toEqual({
      kind: 'header',
      length: 16 + 36,
      source: { address: '2001:db8::5', port: 1 },
    });
  });

  it('spells IPv6 addresses one way (RFC 5952), IPv4-mapped ones with their IPv4 part', () => {
    const of = (address: string) => {
      const header = parseProxyHeader(encodeProxyV2({ address, port: 1 }, { address: '::1', port: 2 }));
      return header.kind === 'header' ? header.source?.address : header.kind;
    };
    expect(of('2001:0db8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1');
    expect(of('2001:db8:0:1:0:0:0:1')).toBe('2001:db8:0:1::1');
    expect(of('::ffff:c000:0201')).toBe('::ffff:192.0.2.1');
    expect(of('0:0:0:0:0:0:0:0')).toBe('::');
  });

  it('LOCAL and non-IP families name no client', () => {
    const local = encodeProxyV2(client, proxy);
    local[12] = 0x20;
    expect(parseProxyHeader(local)).toMatchObject({ kind: 'header', source: null });
    const unspec = Buffer.concat([PROXY_V2_SIGNATURE, Buffer.from([0x21, 0x00, 0x00, 0x00])]);
    expect(parseProxyHeader(unspec)).toEqual({ kind: 'header', length: 16, source: null });
  });

  it('checks version, command, transport, lengths and the size bound', () => {
    const header = encodeProxyV2(client, proxy);
    const with_ = (offset: number, value: number) => {
      const copy = Buffer.from(header);
      copy[offset] = value;
      return parseProxyHeader(copy);
    };
    expect(with_(12, 0x11)).toMatchObject({ kind: 'invalid' }); // version 1 in binary
    expect(with_(12, 0x22)).toMatchObject({ kind: 'invalid' }); // command 2
    expect(with_(13, 0x12)).toMatchObject({ kind: 'invalid' }); // UDP
    const short = Buffer.from(header);
    short.writeUInt16BE(8, 14);
    expect(parseProxyHeader(short)).toMatchObject({ kind: 'invalid' }); // 8 bytes for 12 of addresses
    const huge = Buffer.from(header);
    huge.writeUInt16BE(PROXY_V2_MAX_BYTES - 15, 14);
    expect(parseProxyHeader(huge)).toMatchObject({ kind: 'invalid' });
    const largest = Buffer.concat([header, Buffer.alloc(PROXY_V2_MAX_BYTES - header.length)]);
    largest.writeUInt16BE(PROXY_V2_MAX_BYTES - 16, 14);
    expect(parseProxyHeader(largest)).toMatchObject({ kind: 'header', length: PROXY_V2_MAX_BYTES });
  });
});

describe('PROXY headers, properties', () => {
  const ipv4 = fc.ipV4();
  const port = fc.integer({ min: 0, max: 65_535 });

  it('arbitrary bytes never throw, and a header never claims more bytes than it got or the bounds', () => {
    const starts = fc.constantFrom(Buffer.alloc(0), Buffer.from('PROXY '), PROXY_V2_SIGNATURE);
    fc.assert(
      fc.property(starts, fc.uint8Array({ maxLength: 300 }), (start, tail) => {
        const bytes = Buffer.concat([start, tail]);
        const header = parseProxyHeader(bytes);
        if (header.kind === 'header') {
          expect(header.length).toBeLessThanOrEqual(bytes.length);
          const bound = bytes[0] === 0x50 ? PROXY_V1_MAX_BYTES : PROXY_V2_MAX_BYTES;
          expect(header.length).toBeLessThanOrEqual(bound);
        }
        if (header.kind === 'incomplete') expect(proxySignature(bytes)).not.toBe('no');
      }),
      { numRuns: 2_000 },
    );
  });

  it('encode then parse gives the address back, v1 and v2, whatever follows', () => {
    fc.assert(
      fc.property(
        ipv4,
        port,
        ipv4,
        port,
        fc.uint8Array({ maxLength: 64 }),
        fc.boolean(),
        (a, ap, b, bp, rest, two) => {
          const encoded = (two ? encodeProxyV2 : encodeProxyV1)(
            { address: a, port: ap },
            { address: b, port: bp },
          );
          const header = parseProxyHeader(Buffer.concat([encoded, rest]));
          expect(header).toEqual({
            kind: 'header',
            length: encoded.length,
            source: { address: a, port: ap },
          });
        },
      ),
    );
  });

  it('every strict prefix of a header is incomplete (headers split anywhere arrive whole)', () => {
    fc.assert(
      fc.property(ipv4, port, fc.boolean(), fc.nat(), (a, ap, two, cut) => {
        const encoded = (two ? encodeProxyV2 : encodeProxyV1)({ address: a, port: ap }, proxy);
        const prefix = encoded.subarray(0, cut % encoded.length);
        expect(parseProxyHeader(prefix)).toEqual({ kind: 'incomplete' });
      }),
    );
  });
});
