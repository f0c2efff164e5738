import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LoggerService } from '@backstage/backend-plugin-api';
import { git, GitError } from './gitCli';
import { ManifestEdit } from './editManifests';

/** What a GitOps action reports. */
export interface GitChangeResult {
  /** The commit that made the change; empty when nothing had to change. */
  commitSha: string;
  changed: boolean;
  /** A link to the commit for https remotes, else empty. */
  url: string;
}

const PUSH_ATTEMPTS = 4;

/** Rejects paths that leave the repository. */
export function safeRepositoryPath(file: string): string {
  const normalized = path.posix.normalize(file.replace(/\\/g, '/'));
  if (normalized.startsWith('/') || normalized === '..' || normalized.startsWith('../')) {
    throw new Error(`file '${file}' must be a relative path inside the repository`);
  }
  return normalized;
}

function commitUrl(repository: string, sha: string) {
  if (!/^https:\/\//.test(repository) || !sha) return '';
  return `${repository.replace(/\.git$/, '').replace(/\/$/, '')}/commit/${sha}`;
}

/** Hides credentials embedded in a remote URL before it reaches a log. */
export function redactRemote(repository: string) {
  return repository.replace(/\/\/[^/@]*@/, '//***@');
}

/**
 * Changes one file in a Git repository over plain git (any remote: file://,
 * ssh, https) and pushes it: clone, edit, commit with trailers naming the run
 * and the step's idempotency key, push; on a rejected (non-fast-forward) push,
 * fetch, apply the edit again on the new head, and retry.
 *
 * Exactly once: when a commit with this step's idempotency key is already on
 * the branch (an earlier attempt pushed, then its process died), that commit is
 * reported and nothing new is made; when the file already has the wanted
 * content, nothing is committed.
 */
export async function commitFileChange(options: {
  repository: string;
  branch?: string;
  file: string;
  edit: (text: string) => ManifestEdit;
  message: string;
  runId: string;
  idempotencyKey: string;
  author: { name: string; email: string };
  logger: LoggerService;
  signal?: AbortSignal;
}): Promise<GitChangeResult> {
  const file = safeRepositoryPath(options.file);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'edo-gitops-'));
  const shown = redactRemote(options.repository);
  const inRepo = (args: string[]) => git(args, { cwd: dir, signal: options.signal });
  try {
    await git(
      [
        'clone',
        '--quiet',
        '--depth',
        '50',
        ...(options.branch ? ['--branch', options.branch] : []),
        '--',
        options.repository,
        dir,
      ],
      { signal: options.signal },
    );
    const branch = options.branch ?? (await inRepo(['rev-parse', '--abbrev-ref', 'HEAD'])).trim();
    const keyTrailer = `Event-Orchestration-Key: ${options.idempotencyKey}`;

    for (let attempt = 1; attempt <= PUSH_ATTEMPTS; attempt++) {
      const earlier = (
        await inRepo(['log', '-n', '50', '--fixed-strings', `--grep=${keyTrailer}`, '--format=%H'])
      ).trim();
      if (earlier) {
        const sha = earlier.split('\n')[0];
        options.logger.info(`${shown}@${branch} already has this step's commit ${sha}`);
        return { commitSha: sha, changed: true, url: commitUrl(options.repository, sha) };
      }
      let text: string;
      try {
        text = await fs.readFile(path.join(dir, file), 'utf8');
      } catch {
        throw new Error(`file '${file}' does not exist in ${shown}@${branch}`);
      }
      const edit = options.edit(text);
      if (edit.changes.length === 0) {
        options.logger.info(`${file} in ${shown}@${branch} is already as wanted; nothing to commit`);
        return { commitSha: '', changed: false, url: '' };
      }
      await fs.writeFile(path.join(dir, file), edit.text);
      await inRepo(['add', '--', file]);
      await inRepo([
        '-c',
        `user.name=${options.author.name}`,
        '-c',
        `user.email=${options.author.email}`,
        'commit',
        '--quiet',
        '-m',
        `${options.message}\n\n${edit.changes.join('\n')}\n\nEvent-Orchestration-Run: ${options.runId}\n${keyTrailer}`,
      ]);
      try {
        await inRepo(['push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`]);
        const sha = (await inRepo(['rev-parse', 'HEAD'])).trim();
        options.logger.info(`pushed ${sha} to ${shown}@${branch}: ${edit.changes.join('; ')}`);
        return { commitSha: sha, changed: true, url: commitUrl(options.repository, sha) };
      } catch (error) {
        const rejected =
          error instanceof GitError && /rejected|non-fast-forward|fetch first|stale info/i.test(error.stderr);
        if (!rejected || attempt === PUSH_ATTEMPTS) throw error;
        options.logger.warn(`push to ${shown}@${branch} was rejected (the branch moved); applying the change again on the new head`);
        await inRepo(['fetch', '--quiet', 'origin', branch]);
        await inRepo(['reset', '--quiet', '--hard', 'FETCH_HEAD']);
      }
    }
    throw new Error('unreachable');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
