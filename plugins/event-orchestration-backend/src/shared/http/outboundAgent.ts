import dns from 'node:dns';
import { LookupFunction, isIP } from 'node:net';
import { NotAllowedError } from '@backstage/errors';
import { Agent, buildConnector } from 'undici';
import { OutboundPolicy } from './outboundPolicy';

/** Resolves a host name to the addresses a connection may use (DNS by default; tests map names). */
export type HostResolver = (
  hostname: string,
) => Promise<Array<{ address: string; family: number }>>;

/** The operating system's resolver, as Node's sockets use it. */
export const systemResolver: HostResolver = hostname =>
  dns.promises.lookup(hostname, { all: true });

/** A refusal by the outbound policy: the request never left, and retrying cannot change that. */
export function outboundRefusal(reason: string): NotAllowedError {
  return new NotAllowedError(reason);
}

/**
 * A socket lookup that resolves through `resolve` and refuses when any address
 * is denied, so the address checked is the address dialled (no second DNS
 * answer in between, as with a check before the request).
 */
function guardedLookup(
  policy: OutboundPolicy,
  resolve: HostResolver,
): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      found => {
        const usable = found.filter(
          a => !options.family || a.family === options.family,
        );
        if (usable.length === 0) {
          const error: NodeJS.ErrnoException = new Error(
            `http:request found no address for ${hostname}`,
          );
          error.code = 'ENOTFOUND';
          callback(error, '', 0);
          return;
        }
        for (const { address } of usable) {
          const verdict = policy.checkAddress(address, hostname);
          if (!verdict.allowed) {
            callback(outboundRefusal(verdict.reason), '', 0);
            return;
          }
        }
        if (options.all) callback(null, usable);
        else callback(null, usable[0].address, usable[0].family);
      },
      error => callback(error, '', 0),
    );
  };
}

/**
 * An undici dispatcher whose every new connection passes the policy: the host
 * name, then each address it resolves to, or the literal address — before any
 * byte is sent.
 */
export function createOutboundAgent(
  policy: OutboundPolicy,
  resolve: HostResolver = systemResolver,
): Agent {
  const connectChecked = buildConnector({
    lookup: guardedLookup(policy, resolve),
  });
  return new Agent({
    connect(options, callback) {
      // undici passes IPv6 literals without brackets; URLs carry them with.
      const host =
        isIP(options.hostname) === 6
          ? `[${options.hostname}]`
          : options.hostname;
      const verdict = isIP(options.hostname)
        ? policy.checkUrl(`${options.protocol}//${host}/`)
        : policy.checkHost(host);
      if (!verdict.allowed) {
        // Sockets skip the lookup for literal addresses, so they are checked here.
        callback(outboundRefusal(verdict.reason), null);
        return;
      }
      connectChecked(options, callback);
    },
  });
}
