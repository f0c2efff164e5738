import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A git command failed; the message carries git's own words (never credentials). */
export class GitError extends Error {
  constructor(readonly args: string[], readonly stderr: string) {
    super(
      `git ${args[0]} failed: ${stderr.trim().split('\n').slice(-3).join(' ')}`,
    );
    this.name = 'GitError';
  }
}

/**
 * Settings for every git command we run, ahead of anything a repository's
 * own config could say: no hooks, no fsmonitor command, symbolic links checked
 * out as plain files (so no file operation of ours can follow one out of the
 * clone), and no transport helpers or protocols beyond those allowed.
 */
const HARDENING = [
  '-c',
  'core.hooksPath=/dev/null',
  '-c',
  'core.fsmonitor=false',
  '-c',
  'core.symlinks=false',
  '-c',
  'protocol.ext.allow=never',
];

/**
 * Runs git without a shell (arguments are never interpreted), with prompts
 * disabled so a missing credential fails instead of hanging. `protocols`
 * (default: none but what git allows by itself) becomes GIT_ALLOW_PROTOCOL,
 * which git checks on every connection it makes, submodules included.
 */
export async function git(
  args: string[],
  options: {
    cwd?: string;
    signal?: AbortSignal;
    protocols?: readonly string[];
  } = {},
): Promise<string> {
  try {
    const { stdout } = await run('git', [...HARDENING, ...args], {
      cwd: options.cwd,
      signal: options.signal,
      maxBuffer: 16 * 1024 * 1024,
      env: {
        ...process.env,
        GIT_TERMINAL_PROMPT: '0',
        // Paths are paths, never globs: `b?` must not match `b-` (the symlink check reads ls-files).
        GIT_LITERAL_PATHSPECS: '1',
        GIT_ASKPASS: 'echo',
        LC_ALL: 'C',
        ...(options.protocols
          ? { GIT_ALLOW_PROTOCOL: options.protocols.join(':') }
          : {}),
      },
    });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message?: string; name?: string };
    if (e.name === 'AbortError') throw error;
    throw new GitError(args, e.stderr || e.message || String(error));
  }
}
