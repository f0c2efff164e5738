/* eslint-disable jest/expect-expect -- fc.assert is the assertion: it throws with the counterexample */
import { BlockList, isIP } from 'node:net';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import {
  OutboundPolicy,
  OutboundVerdict,
} from '../../shared/http/outboundPolicy';

jest.setTimeout(120_000);

/**
 * Generated URLs for `http:request` (≥ 10,000: schemes, userinfo, IPv4 written
 * as integers, octal, hex and short forms, bracketed IPv6 incl. mapped, NAT64
 * and 6to4, trailing dots, unicode hosts, ports) through the policy check.
 * Every outcome must be "allowed" or a refusal with a reason, and no URL whose
 * canonical host (as the WHATWG URL parser writes it, which is what the socket
 * dials) lies in a denied range may be allowed.
 */

/** The denied ranges, written out independently of ipaddr.js's tables. */
const denied = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  denied.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
] as const) {
  denied.addSubnet(net, bits, 'ipv6');
}

/** The IPv4 address a NAT64, 6to4 or SIIT address delivers to. */
function embeddedIPv4(v6: string): string | undefined {
  const bytes = ipaddr.IPv6.parse(v6).toByteArray();
  const prefix = (n: number) => bytes.slice(0, n).join('.');
  if (prefix(12) === [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0].join('.'))
    return bytes.slice(12).join('.');
  if (prefix(12) === [0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0].join('.'))
    return bytes.slice(12).join('.');
  if (bytes[0] === 0x20 && bytes[1] === 0x02)
    return bytes.slice(2, 6).join('.');
  return undefined;
}

/** True when a connection to this address literal must be refused. */
function mustRefuse(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return denied.check(address, 'ipv4');
  // BlockList matches IPv4-mapped IPv6 against the IPv4 rules itself.
  if (denied.check(address, 'ipv6') || denied.check(address, 'ipv4'))
    return true;
  const inner = embeddedIPv4(address);
  return inner !== undefined && denied.check(inner, 'ipv4');
}

const byte = fc.integer({ min: 0, max: 255 });
/** Mostly the first octets of special ranges, so refusals are exercised hard. */
const firstOctets = fc.oneof(
  fc.constantFrom(0, 10, 100, 127, 169, 172, 192, 198, 203, 224, 240, 255),
  byte,
);
const ipv4Bytes = fc
  .tuple(firstOctets, byte, byte, byte)
  .map(([a, b, c, d]) => (a === 169 ? [a, 254, c, d] : [a, b, c, d]));

const asInteger = (bytes: number[]) => bytes.reduce((n, b) => n * 256 + b, 0);
const ipv4Written = ipv4Bytes.chain(bytes =>
  fc.constantFrom(
    bytes.join('.'),
    String(asInteger(bytes)),
    `0x${asInteger(bytes).toString(16)}`,
    `0${asInteger(bytes).toString(8)}`,
    bytes.map(b => `0${b.toString(8)}`).join('.'),
    bytes.map(b => `0x${b.toString(16)}`).join('.'),
    `${bytes[0]}.${(bytes[1] << 16) + (bytes[2] << 8) + bytes[3]}`,
    `0x${bytes[0].toString(16)}.${
      (bytes[1] << 16) + (bytes[2] << 8) + bytes[3]
    }`,
    `${bytes[0]}.${bytes[1]}.${(bytes[2] << 8) + bytes[3]}`,
    `${bytes.join('.')}.`,
  ),
);

const hex16 = fc.integer({ min: 0, max: 0xffff }).map(n => n.toString(16));
const ipv6Written = fc
  .oneof(
    fc.array(hex16, { minLength: 8, maxLength: 8 }).map(p => p.join(':')),
    ipv4Bytes.map(b => `::ffff:${b.join('.')}`),
    ipv4Bytes.map(
      b =>
        `::ffff:${((b[0] << 8) + b[1]).toString(16)}:${(
          (b[2] << 8) +
          b[3]
        ).toString(16)}`,
    ),
    ipv4Bytes.map(b => `64:ff9b::${b.join('.')}`),
    ipv4Bytes.map(b => `::ffff:0:${b.join('.')}`),
    ipv4Bytes.map(
      b =>
        `2002:${((b[0] << 8) + b[1]).toString(16)}:${(
          (b[2] << 8) +
          b[3]
        ).toString(16)}::1`,
    ),
    fc.constantFrom(
      '::',
      '::1',
      '0:0:0:0:0:0:0:1',
      'fe80::1',
      'FE80::1%25eth0',
      'fd00:ec2::254',
      'fc00::1',
      'ff02::1',
      '2606:4700:4700::1111',
      '::127.0.0.1',
    ),
  )
  .map(v6 => `[${v6}]`);

const names = fc.oneof(
  fc.constantFrom(
    'metadata.google.internal',
    'metadata.google.internal.',
    'METADATA.Google.Internal',
    'ｍｅｔａｄａｔａ.google.internal',
    'metadata.google.internal..',
    'localhost',
    'hooks.slack.com',
    'xn--bcher-kva.example',
    'bücher.example',
    '%31%32%37.0.0.1',
    '1.2.3.4.5',
    'example.com%00.evil',
  ),
  fc
    .array(fc.stringMatching(/^[a-z0-9-]{1,10}$/), {
      minLength: 1,
      maxLength: 4,
    })
    .map(labels => labels.join('.')),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
);

const urls = fc
  .tuple(
    fc.constantFrom(
      'http',
      'https',
      'HTTP',
      'hTtPs',
      'ftp',
      'file',
      'ws',
      'gopher',
      'javascript',
    ),
    fc.constantFrom('', 'user@', 'user:pass@', '127.0.0.1@', 'a@b@', ':@'),
    fc.oneof(ipv4Written, ipv6Written, names),
    fc.constantFrom('', ':80', ':0', ':443', ':65535', ':99999', ':x'),
    fc.constantFrom('', '/', '/latest/meta-data/', '?x=1#y', '\\admin'),
  )
  .map(([scheme, userinfo, host, port, path]) =>
    [scheme, '://', userinfo, host, port, path].join(''),
  );

function isOutcome(verdict: OutboundVerdict): boolean {
  return (
    verdict.allowed === true ||
    (verdict.allowed === false &&
      verdict.reason.startsWith('http:request refused'))
  );
}

describe('http:request outbound policy, fuzzed', () => {
  const policy = new OutboundPolicy();

  it('10,000 generated URLs: every one allowed or refused with a reason; none in a denied range allowed', () => {
    const seen = { allowed: 0, refused: 0 };
    fc.assert(
      fc.property(urls, url => {
        const verdict = policy.checkUrl(url);
        if (!isOutcome(verdict)) return false;
        if (!verdict.allowed) {
          seen.refused++;
          return true;
        }
        seen.allowed++;
        const parsed = new URL(url);
        if (!['http:', 'https:'].includes(parsed.protocol)) return false;
        const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
        if (isIP(host)) return !mustRefuse(host);
        return host.replace(/\.$/, '') !== 'metadata.google.internal';
      }),
      { numRuns: 10_000 },
    );
    // Both outcomes were reached: the property did not pass vacuously.
    expect(seen.allowed).toBeGreaterThan(1_000);
    expect(seen.refused).toBeGreaterThan(1_000);
  });

  it('10,000 generated resolved addresses: refused exactly where a denied range says so, or stricter', () => {
    const addresses = fc.oneof(
      ipv4Bytes.map(b => b.join('.')),
      ipv6Written.map(v6 => v6.slice(1, -1)).filter(a => isIP(a) === 6),
    );
    fc.assert(
      fc.property(addresses, address => {
        const verdict = policy.checkAddress(address, 'name.example.test');
        if (!isOutcome(verdict)) return false;
        return !(verdict.allowed && mustRefuse(address));
      }),
      { numRuns: 10_000 },
    );
  });

  it('random text as a URL never crashes the check', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), text =>
        isOutcome(policy.checkUrl(text)),
      ),
      { numRuns: 10_000 },
    );
  });
});
