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
 * Runs git without a shell (arguments are never interpreted), with prompts
 * disabled so a missing credential fails instead of hanging.
 */
export async function git(
  args: string[],
  options: { cwd?: string; signal?: AbortSignal } = {},
): Promise<string> {
  try {
    const { stdout } = await run('git', args, {
      cwd: options.cwd,
      signal: options.signal,
      maxBuffer: 16 * 1024 * 1024,
      env: {
        ...process.env,
        GIT_TERMINAL_PROMPT: '0',
        GIT_ASKPASS: 'echo',
        LC_ALL: 'C',
      },
    });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message?: string; name?: string };
    if (e.name === 'AbortError') throw error;
    throw new GitError(args, e.stderr || e.message || String(error));
  }
}
