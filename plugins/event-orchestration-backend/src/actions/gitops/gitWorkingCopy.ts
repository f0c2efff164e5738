import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LoggerService } from '@backstage/backend-plugin-api';
import { git, GitError } from './gitCli';
import { redactUrl } from '../../shared/redaction/redactSecrets';
import { isStepCommit } from './commitTrailers';
import {
  DEFAULT_GIT_URL_SCHEMES,
  branchNameProblem,
  checkRemote,
  checkRemoteAddresses,
  gitRemotePolicy,
} from './gitRemotes';
import { OutboundPolicy } from '../../shared/http/outboundPolicy';
import { HostResolver, systemResolver } from '../../shared/http/outboundAgent';

/** What a GitOps action reports. */
export interface GitChangeResult {
  /** The commit that made the change; empty when nothing had to change. */
  commitSha: string;
  changed: boolean;
  /** A link to the commit for https remotes, else empty. */
  url: string;
}

const PUSH_ATTEMPTS = 4;

/** A link to the commit for https remotes, without any credentials of the remote URL. */
export function commitUrl(repository: string, sha: string) {
  if (!/^https:\/\//i.test(repository) || !sha) return '';
  let url: URL;
  try {
    url = new URL(repository);
  } catch {
    return '';
  }
  const base = `${url.origin}${url.pathname}`
    .replace(/\/$/, '')
    .replace(/\.git$/, '');
  return `${base}/commit/${sha}`;
}

/** Hides credentials in a remote URL (user info, token query parameters) before it reaches a log or an error. */
export function redactRemote(repository: string) {
  return redactUrl(repository);
}

/** What a change function did in the working copy: one line per change; none = nothing to commit. */
export interface WorkingCopyChange {
  changes: string[];
  /** Extra text for the commit message body. */
  details?: string;
}

/** What every plain-git change takes: the repository, and who changes it for which step. */
export interface GitStepOptions {
  repository: string;
  branch?: string;
  runId: string;
  idempotencyKey: string;
  author: { name: string; email: string };
  logger: LoggerService;
  signal?: AbortSignal;
  /** Transports the deployment allows (`eventOrchestration.gitops.allowedUrlSchemes`). */
  allowedUrlSchemes?: readonly string[];
  /** Addresses a network remote may resolve to; default: public ones only. */
  remotePolicy?: OutboundPolicy;
}

/**
 * Makes one change in a Git repository over plain git (any remote: file://,
 * ssh, https) and pushes it: clone, change the working copy, commit with
 * trailers naming the run and the step's idempotency key, push; on a rejected
 * (non-fast-forward) push, fetch, make the change again on the new head, and
 * retry.
 *
 * Exactly once: when a commit with this step's idempotency key is already on
 * the branch (an earlier attempt pushed, then its process died), that commit is
 * reported and nothing new is made; when the change finds nothing to do,
 * nothing is committed.
 */
export async function commitChange(
  options: GitStepOptions & {
    /** Changes the working copy (files staged by it or by path) and says what changed. */
    change: (workingCopy: {
      dir: string;
      branch: string;
      git: (args: string[]) => Promise<string>;
    }) => Promise<WorkingCopyChange>;
    message: string;
    /** Commits of history to fetch; default 50, 0 for all (needed to find older commits). */
    depth?: number;
    /** Resolves a remote's host (DNS by default; tests map names). */
    resolve?: HostResolver;
  },
): Promise<GitChangeResult & { stepCommitMessage?: string }> {
  const shown = redactRemote(options.repository);
  const protocols = options.allowedUrlSchemes ?? DEFAULT_GIT_URL_SCHEMES;
  checkRemote(options.repository, protocols, shown);
  await checkRemoteAddresses(
    options.repository,
    options.remotePolicy ?? gitRemotePolicy(),
    options.resolve ?? systemResolver,
  );
  const branchProblem =
    options.branch === undefined
      ? undefined
      : branchNameProblem(options.branch);
  if (branchProblem)
    throw new Error(
      `branch '${options.branch}' is not a valid branch name: ${branchProblem}`,
    );
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'edo-gitops-'));
  const inRepo = (args: string[]) =>
    git(args, { cwd: dir, signal: options.signal, protocols });
  const depth = options.depth ?? 50;
  try {
    await git(
      [
        'clone',
        '--quiet',
        ...(depth > 0 ? ['--depth', String(depth)] : []),
        ...(options.branch ? ['--branch', options.branch] : []),
        '--',
        options.repository,
        dir,
      ],
      { signal: options.signal, protocols },
    );
    const branch =
      options.branch ??
      (await inRepo(['rev-parse', '--abbrev-ref', 'HEAD'])).trim();
    const keyTrailer = `Event-Orchestration-Key: ${options.idempotencyKey}`;

    for (let attempt = 1; attempt <= PUSH_ATTEMPTS; attempt++) {
      // Candidates by a quick search, each confirmed by its trailers (isStepCommit).
      const candidates = (
        await inRepo([
          'log',
          '-n',
          '50',
          '--fixed-strings',
          `--grep=${keyTrailer}`,
          '--format=%H%x1f%B%x1e',
        ])
      )
        .split('\x1e')
        .map(record => record.replace(/^\n/, '').split('\x1f'))
        .filter(([sha]) => /^[0-9a-f]{40}$/.test(sha));
      const earlier = candidates.find(([, message]) =>
        isStepCommit(message ?? '', options.idempotencyKey),
      );
      if (earlier) {
        const [sha, message] = earlier;
        options.logger.info(
          `${shown}@${branch} already has this step's commit ${sha}`,
        );
        return {
          commitSha: sha,
          changed: true,
          url: commitUrl(options.repository, sha),
          stepCommitMessage: message,
        };
      }
      const change = await options.change({ dir, branch, git: inRepo });
      if (change.changes.length === 0) {
        options.logger.info(
          `${shown}@${branch} is already as wanted; nothing to commit`,
        );
        return { commitSha: '', changed: false, url: '' };
      }
      await inRepo([
        '-c',
        `user.name=${options.author.name}`,
        '-c',
        `user.email=${options.author.email}`,
        'commit',
        '--quiet',
        '-m',
        `${options.message}\n\n${change.changes.join('\n')}${
          change.details ? `\n\n${change.details}` : ''
        }\n\nEvent-Orchestration-Run: ${options.runId}\n${keyTrailer}`,
      ]);
      try {
        await inRepo([
          'push',
          '--quiet',
          '--end-of-options',
          'origin',
          `HEAD:refs/heads/${branch}`,
        ]);
        const sha = (await inRepo(['rev-parse', 'HEAD'])).trim();
        options.logger.info(
          `pushed ${sha} to ${shown}@${branch}: ${change.changes.join('; ')}`,
        );
        return {
          commitSha: sha,
          changed: true,
          url: commitUrl(options.repository, sha),
        };
      } catch (error) {
        const rejected =
          error instanceof GitError &&
          /rejected|non-fast-forward|fetch first|stale info/i.test(
            error.stderr,
          );
        if (!rejected || attempt === PUSH_ATTEMPTS) throw error;
        options.logger.warn(
          `push to ${shown}@${branch} was rejected (the branch moved); applying the change again on the new head`,
        );
        await inRepo([
          'fetch',
          '--quiet',
          ...(depth > 0 ? ['--depth', String(depth)] : []),
          '--end-of-options',
          'origin',
          branch,
        ]);
        await inRepo(['reset', '--quiet', '--hard', 'FETCH_HEAD']);
      }
    }
    throw new Error('unreachable');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/**
 * Refuses a file the repository records as a symbolic link. Links are checked
 * out as plain files (core.symlinks=false), so nothing on disk follows them;
 * this keeps a step from silently rewriting where a link points.
 */
export async function refuseLinkEntry(
  inRepo: (args: string[]) => Promise<string>,
  file: string,
) {
  const entries = await inRepo(['ls-files', '--stage', '--', file]);
  if (entries.split('\n').some(entry => entry.startsWith('120000 ')))
    throw new Error(
      `'${file}' in the repository is a symbolic link; it is not followed`,
    );
}
