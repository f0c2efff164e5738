import { isIP } from 'node:net';
import { Config } from '@backstage/config';
import { OutboundPolicy } from '../../shared/http/outboundPolicy';
import { HostResolver, outboundRefusal } from '../../shared/http/outboundAgent';

/** URL schemes a deployment may allow for plain-git remotes (`ssh` covers `git@host:path`). */
export const GIT_URL_SCHEMES = ['https', 'ssh', 'http', 'git', 'file'] as const;
/** One of GIT_URL_SCHEMES. */
export type GitUrlScheme = (typeof GIT_URL_SCHEMES)[number];
/** Without configuration: only remotes that are neither local nor unauthenticated. */
export const DEFAULT_GIT_URL_SCHEMES: GitUrlScheme[] = ['https', 'ssh'];

/**
 * The transport git would use for a remote: the URL scheme, `ssh` for the
 * scp-like form, a transport helper's name (`ext::…`), or `file` for a local
 * path — the way git itself tells them apart.
 */
export function remoteScheme(repository: string): string {
  const url = /^([a-z][a-z0-9+.-]*):\/\//i.exec(repository);
  if (url) return url[1].toLowerCase();
  const helper = /^([a-z][a-z0-9+.-]*)::/i.exec(repository);
  if (helper) return helper[1].toLowerCase();
  const colon = repository.indexOf(':');
  const slash = repository.indexOf('/');
  if (colon > 0 && (slash === -1 || colon < slash)) return 'ssh';
  return 'file';
}

/**
 * Refuses a remote whose transport the deployment does not allow
 * (`eventOrchestration.gitops.allowedUrlSchemes`), and anything git could
 * read as an option.
 */
export function checkRemote(
  repository: string,
  allowed: readonly string[],
  shown: string,
): void {
  const scheme = remoteScheme(repository);
  if (repository.startsWith('-') || !allowed.includes(scheme)) {
    throw new Error(
      `repository '${shown}' uses ${
        scheme === 'file' && !/^file:/i.test(repository)
          ? 'a local path'
          : `'${scheme}'`
      }, which eventOrchestration.gitops.allowedUrlSchemes does not allow (allowed: ${allowed.join(
        ', ',
      )})`,
    );
  }
}

/**
 * Why `name` is not a branch name git accepts (the rules of
 * `git check-ref-format --branch`, checked without running git so the GitHub
 * provider refuses the same names), or undefined when it is one.
 */
export function branchNameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > 255) return 'must be 1-255 characters';
  if (name.startsWith('-')) return "must not start with '-'";
  if (name === '@') return "must not be '@'";
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name))
    return 'must not contain spaces, control characters or any of ~ ^ : ? * [ \\';
  if (name.includes('..')) return "must not contain '..'";
  if (name.includes('@{')) return "must not contain '@{'";
  if (name.endsWith('.')) return "must not end with '.'";
  const parts = name.split('/');
  if (parts.some(part => part === ''))
    return "must not start or end with '/' or contain '//'";
  if (parts.some(part => part.startsWith('.') || part.endsWith('.lock')))
    return "no part may start with '.' or end with '.lock'";
  return undefined;
}

/** Reads `eventOrchestration.gitops.allowedUrlSchemes`; an unknown scheme is a start-up error. */
export function readGitUrlSchemes(config: Config): GitUrlScheme[] {
  const key = 'eventOrchestration.gitops.allowedUrlSchemes';
  const configured = config.getOptionalStringArray(key);
  if (!configured) return DEFAULT_GIT_URL_SCHEMES;
  for (const scheme of configured) {
    if (!(GIT_URL_SCHEMES as readonly string[]).includes(scheme))
      throw new Error(
        `${key}: '${scheme}' is not one of ${GIT_URL_SCHEMES.join(', ')}`,
      );
  }
  return configured as GitUrlScheme[];
}

/** The host a network remote names (`https://h/…`, `ssh://u@h:22/…`, `u@h:path`); undefined for local paths. */
export function remoteHost(repository: string): string | undefined {
  const scheme = remoteScheme(repository);
  if (scheme === 'file') return undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(repository)) {
    try {
      return new URL(repository).hostname || undefined;
    } catch {
      return undefined;
    }
  }
  // scp-like: [user@]host:path, or [user@][host]:path for an IPv6 address
  const afterUser = repository.slice(repository.indexOf('@') + 1);
  if (afterUser.startsWith('[')) {
    const close = afterUser.indexOf(']');
    return close > 0 ? afterUser.slice(0, close + 1) : undefined;
  }
  return afterUser.slice(0, afterUser.indexOf(':')) || undefined;
}

/**
 * Refuses a network remote whose host resolves to an address the outbound
 * policy denies (loopback, private, link-local, metadata unless
 * `eventOrchestration.gitops.allowedCidrs` allows them): git would otherwise
 * connect anywhere a step's input says, and its errors tell an open port from
 * a closed one. git resolves the name again itself; this narrows, it does not
 * pin (a name that changes its answer in between is not caught).
 */
export async function checkRemoteAddresses(
  repository: string,
  policy: OutboundPolicy,
  resolve: HostResolver,
): Promise<void> {
  const host = remoteHost(repository);
  if (!host) return;
  const hostVerdict = policy.checkHost(host);
  if (!hostVerdict.allowed) throw outboundRefusal(hostVerdict.reason);
  const literal = host.replace(/^\[(.*)\]$/, '$1');
  let addresses: string[];
  try {
    addresses = isIP(literal)
      ? [literal]
      : (await resolve(host)).map(a => a.address);
  } catch (error) {
    throw new Error(
      `gitops cannot resolve ${host}: ${(error as Error).message}`,
    );
  }
  for (const address of addresses) {
    const verdict = policy.checkAddress(address, host);
    if (!verdict.allowed) throw outboundRefusal(verdict.reason);
  }
}

/** The outbound policy of plain-git remotes, from `eventOrchestration.gitops.allowedCidrs`. */
export function readGitRemotePolicy(config: Config): OutboundPolicy {
  return gitRemotePolicy(
    config.getOptionalStringArray('eventOrchestration.gitops.allowedCidrs'),
  );
}

/** The outbound policy of plain-git remotes with these allowed ranges. */
export function gitRemotePolicy(allowedCidrs?: string[]): OutboundPolicy {
  return new OutboundPolicy({
    allowedCidrs,
    subject: 'gitops',
    configPrefix: 'eventOrchestration.gitops',
  });
}
