import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** What `http:request` may reach, parsed from `eventOrchestration.actions.http`. */
export interface OutboundPolicyOptions {
  /** Host names (`hooks.slack.com`, `*.example.com`); unset: any host whose addresses pass. */
  allowedHosts?: string[];
  /** Address ranges (`10.1.0.0/16`, `::1/128`, a bare address) allowed although denied by default. */
  allowedCidrs?: string[];
  /** Who is refused, in reasons; default `http:request`. */
  subject?: string;
  /** The config keys named in reasons; default `eventOrchestration.actions.http`. */
  configPrefix?: string;
}

/** The verdict on a URL or an address: allowed, or refused with the reason. */
export type OutboundVerdict =
  | { allowed: true }
  | { allowed: false; reason: string };

const HTTP_CONFIG_PREFIX = 'eventOrchestration.actions.http';

/**
 * Reachable only through cloud instance metadata services, which hand out the
 * host's credentials; an allowed range that merely contains them is not enough.
 */
const METADATA_ADDRESSES = ['169.254.169.254', 'fd00:ec2::254'].map(a =>
  ipaddr.parse(a).toNormalizedString(),
);
const METADATA_HOSTS = new Set(['metadata.google.internal']);

/** ipaddr.js range names, as they appear in a refusal. */
const RANGE_LABELS: Record<string, string> = {
  unspecified: 'unspecified address',
  broadcast: 'broadcast address',
  multicast: 'multicast address',
  linkLocal: 'link-local address',
  loopback: 'loopback address',
  carrierGradeNat: 'carrier-grade NAT address',
  private: 'private address',
  uniqueLocal: 'private address',
  reserved: 'reserved address',
};

function rangeLabel(range: string): string {
  return RANGE_LABELS[range] ?? `${range} address`;
}

/**
 * The IPv4 address an IPv6 address stands for, where ipaddr.js names a range
 * that embeds one: the packet ends up at that IPv4 address, so it is what gets
 * checked.
 */
function embeddedIPv4(address: ipaddr.IPv6, range: string) {
  const bytes = address.toByteArray();
  if (
    range === 'ipv4Mapped' ||
    range === 'rfc6145' ||
    (range === 'rfc6052' && address.match(ipaddr.parseCIDR('64:ff9b::/96')))
  ) {
    return new ipaddr.IPv4(bytes.slice(12, 16));
  }
  if (range === '6to4') return new ipaddr.IPv4(bytes.slice(2, 6));
  // IPv4-compatible (::a.b.c.d, deprecated but routed by some stacks): ipaddr.js calls it unicast.
  if (range === 'unicast' && bytes.slice(0, 12).every(b => b === 0))
    return new ipaddr.IPv4(bytes.slice(12, 16));
  return undefined;
}

/** A host name the way the WHATWG URL parser writes it, without a trailing dot. */
function canonicalHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

function unbracketed(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** An allowedHosts entry in the form a URL's host name takes, or an error naming it. */
function parseHostPattern(pattern: string, configPrefix: string): string {
  const wildcard = pattern.startsWith('*.');
  const name = wildcard ? pattern.slice(2) : pattern;
  let host: string;
  try {
    const url = new URL(`http://${name}`);
    if (url.host !== url.hostname || `${url.pathname}${url.search}` !== '/') {
      throw new Error('not a bare host name');
    }
    host = canonicalHost(url.hostname);
  } catch {
    throw new Error(
      `${configPrefix}.allowedHosts: '${pattern}' is not a host name or *.domain pattern`,
    );
  }
  return wildcard ? `*.${host}` : host;
}

function parseCidr(entry: string, configPrefix: string): [Address, number] {
  try {
    return entry.includes('/')
      ? ipaddr.parseCIDR(entry)
      : [ipaddr.parse(entry), ipaddr.parse(entry).kind() === 'ipv4' ? 32 : 128];
  } catch {
    throw new Error(
      `${configPrefix}.allowedCidrs: '${entry}' is not an address or CIDR range`,
    );
  }
}

/**
 * Decides which URLs and addresses `http:request` may reach. Every address
 * ipaddr.js puts in a special range (loopback, private, link-local, carrier-grade
 * NAT, multicast, reserved, …) is denied unless `allowedCidrs` covers it; cloud
 * metadata addresses only when an entry names exactly that address.
 */
export class OutboundPolicy {
  readonly #allowedHosts?: string[];
  readonly #allowedCidrs: Array<[Address, number]>;
  readonly #subject: string;
  readonly #configPrefix: string;

  /** Throws, naming the key and the entry, on a pattern or range it cannot parse. */
  constructor(options: OutboundPolicyOptions = {}) {
    this.#subject = options.subject ?? 'http:request';
    this.#configPrefix = options.configPrefix ?? HTTP_CONFIG_PREFIX;
    this.#allowedHosts = options.allowedHosts?.map(p =>
      parseHostPattern(p, this.#configPrefix),
    );
    this.#allowedCidrs = (options.allowedCidrs ?? []).map(c =>
      parseCidr(c, this.#configPrefix),
    );
  }

  /** Checks what can be known before connecting: scheme, host name, a literal address. */
  checkUrl(rawUrl: string): OutboundVerdict {
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      return { allowed: false, reason: `${this.#subject} refused: not a URL` };
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return {
        allowed: false,
        reason: `${this.#subject} refused ${
          url.protocol
        } URLs: only http and https`,
      };
    }
    const hostVerdict = this.checkHost(url.hostname);
    if (!hostVerdict.allowed) return hostVerdict;
    // The URL parser has already rewritten 0x7f.1, 2130706433 and the like
    // into dotted form, so a literal here is exactly what a socket would dial.
    const literal = unbracketed(url.hostname);
    return isIP(literal)
      ? this.checkAddress(literal, url.hostname)
      : { allowed: true };
  }

  /** Checks a host name (as in a URL, or as undici connects to it) against the names policy. */
  checkHost(hostname: string): OutboundVerdict {
    const host = canonicalHost(hostname);
    if (METADATA_HOSTS.has(host)) {
      return {
        allowed: false,
        reason: `${this.#subject} refused ${host} (cloud metadata host)`,
      };
    }
    if (
      this.#allowedHosts &&
      !this.#allowedHosts.some(p => hostMatches(host, p))
    ) {
      return {
        allowed: false,
        reason: `${this.#subject} refused ${host}: not in ${
          this.#configPrefix
        }.allowedHosts`,
      };
    }
    return { allowed: true };
  }

  /** Checks an address a connection would go to; `host` is the name it was found for. */
  checkAddress(address: string, host?: string): OutboundVerdict {
    let parsed: Address;
    try {
      parsed = ipaddr.parse(unbracketed(address));
    } catch {
      return {
        allowed: false,
        reason: `${this.#subject} refused ${address}: not an IP address`,
      };
    }
    const denial = this.#denial(parsed);
    if (!denial) return { allowed: true };
    // An IPv4-mapped address is that IPv4 address, so the refusal names it so.
    const shown = mappedToIPv4(parsed).toString();
    const forHost =
      host && unbracketed(canonicalHost(host)) !== shown
        ? ` for ${canonicalHost(host)}`
        : '';
    const remedy = denial.metadata
      ? `allow it by naming ${denial.address}/${
          denial.address.includes(':') ? 128 : 32
        } in ${this.#configPrefix}.allowedCidrs`
      : `allow it with ${this.#configPrefix}.allowedCidrs`;
    return {
      allowed: false,
      reason: `${this.#subject} refused ${shown} (${
        denial.label
      })${forHost}; ${remedy}`,
    };
  }

  #denial(
    address: Address,
  ): { label: string; address: string; metadata?: boolean } | undefined {
    const effective = mappedToIPv4(address);
    const normalized = effective.toNormalizedString();
    if (METADATA_ADDRESSES.includes(normalized)) {
      const named = this.#allowedCidrs.some(
        ([range, bits]) =>
          range.kind() === effective.kind() &&
          bits === (effective.kind() === 'ipv4' ? 32 : 128) &&
          range.toNormalizedString() === normalized,
      );
      return named
        ? undefined
        : {
            label: 'cloud metadata address',
            address: effective.toString(),
            metadata: true,
          };
    }
    if (this.#covered(effective)) return undefined;
    const range = effective.range();
    if (effective.kind() === 'ipv6') {
      const inner = embeddedIPv4(effective as ipaddr.IPv6, range);
      if (inner) {
        const innerDenial = this.#denial(inner);
        return innerDenial
          ? {
              ...innerDenial,
              label: `${
                range === 'unicast' ? 'IPv4-compatible' : range
              } address of ${inner} (${innerDenial.label})`,
            }
          : undefined;
      }
    }
    if (range === 'unicast') return undefined;
    return { label: rangeLabel(range), address: effective.toString() };
  }

  #covered(address: Address): boolean {
    return this.#allowedCidrs.some(
      ([range, bits]) =>
        range.kind() === address.kind() && address.match(range, bits),
    );
  }
}

function mappedToIPv4(address: Address): Address {
  return address.kind() === 'ipv6' &&
    (address as ipaddr.IPv6).isIPv4MappedAddress()
    ? (address as ipaddr.IPv6).toIPv4Address()
    : address;
}

function hostMatches(host: string, pattern: string): boolean {
  return pattern.startsWith('*.')
    ? host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1
    : host === pattern;
}
