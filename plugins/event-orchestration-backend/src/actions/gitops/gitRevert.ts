import { safeRepositoryPath } from './repositoryPaths';
import {
  GitChangeResult,
  GitStepOptions,
  commitChange,
  redactRemote,
} from './gitWorkingCopy';

/**
 * Restores `path` (default: everything) to its state at the newest commit whose
 * message contains `knownGood` (a trailer such as `Known-Good: true`), or at
 * `toCommit`, as one new commit — history is kept, so the revert is reviewable
 * and can itself be reverted.
 */
export async function revertToKnownGood(
  options: GitStepOptions & {
    path?: string;
    toCommit?: string;
    knownGood: string;
  },
): Promise<GitChangeResult & { revertedTo: string }> {
  const scope = options.path ? safeRepositoryPath(options.path) : '.';
  const shown = redactRemote(options.repository);
  let revertedTo = '';
  let subject = '';
  const result = await commitChange({
    ...options,
    depth: 0,
    message: `Revert ${scope === '.' ? 'the repository' : scope}`,
    change: async ({ branch, git: inRepo }) => {
      if (options.toCommit) {
        if (!/^[0-9a-f]{7,40}$/i.test(options.toCommit))
          throw new Error(
            `toCommit '${options.toCommit}' must be a commit sha`,
          );
        try {
          revertedTo = (
            await inRepo([
              'rev-parse',
              '--verify',
              '--quiet',
              `${options.toCommit}^{commit}`,
            ])
          ).trim();
        } catch {
          throw new Error(
            `commit ${options.toCommit} is not in ${shown}@${branch}`,
          );
        }
      } else {
        // The newest known-good commit touching the scope; HEAD included (then nothing to do).
        revertedTo = (
          await inRepo([
            'log',
            '-n',
            '1',
            '--format=%H',
            '--fixed-strings',
            `--grep=${options.knownGood}`,
            'HEAD',
            '--',
            scope,
          ])
        ).trim();
        if (!revertedTo)
          throw new Error(
            `no commit of ${shown}@${branch} touching ${scope} says '${options.knownGood}'`,
          );
      }
      subject = (
        await inRepo(['log', '-n', '1', '--format=%s', revertedTo])
      ).trim();
      // Restores tracked files to that commit, deleting the ones added since (no overlay).
      await inRepo([
        'restore',
        `--source=${revertedTo}`,
        '--staged',
        '--worktree',
        '--',
        scope,
      ]);
      const changed = (
        await inRepo(['diff', '--cached', '--name-status'])
      ).trim();
      if (!changed) return { changes: [] };
      return {
        changes: changed.split('\n').map(line => line.replace(/\t/, ' ')),
        details: `Back to ${revertedTo.slice(0, 12)} (${subject}).`,
      };
    },
  });
  return { ...result, revertedTo };
}
