import fs from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * Checks a path a step wants to read or write inside a repository and returns
 * it normalised. Refused: absolute paths, paths that leave the repository, and
 * any `.git` segment in any letter case (`.git/config` with an `fsmonitor` or
 * `hooksPath` setting, or a hook, would make our next git command run the
 * sender's command), `..` segments and the root itself: a templated
 * `apps/${{ event.data.application }}` with `..` would otherwise normalise to
 * the repository root and a revert would take back every application.
 */
export function safeRepositoryPath(file: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(file))
    throw new Error(
      `file '${JSON.stringify(file).slice(
        1,
        -1,
      )}' must not contain control characters (newlines would forge lines of the commit message)`,
    );
  const normalized = path.posix.normalize(file.replace(/\\/g, '/'));
  if (
    normalized.startsWith('/') ||
    normalized === '..' ||
    normalized.startsWith('../')
  ) {
    throw new Error(
      `file '${file}' must be a relative path inside the repository`,
    );
  }
  // Every segment as written (before normalising, `apps/../.git` hides one) and after.
  const segments = [
    ...file.replace(/\\/g, '/').split('/'),
    ...normalized.split('/'),
  ];
  if (segments.some(isGitDirectoryName)) {
    throw new Error(`file '${file}' must not be inside .git`);
  }
  // `./a.txt` is a.txt, but `..` anywhere (`apps/..`) and the root itself are refused.
  if (file.replace(/\\/g, '/').split('/').includes('..')) {
    throw new Error(`file '${file}' must not contain '..' segments`);
  }
  if (normalized === '.' || normalized === './') {
    throw new Error(
      `file '${file}' names the repository root; it must name a file or directory below it`,
    );
  }
  return normalized;
}

/**
 * A path input of a GitOps action: checked by safeRepositoryPath in the
 * schema, so a refusal fails the step naming the field before git runs.
 */
export function repositoryPathInput() {
  return z
    .string()
    .min(1)
    .superRefine((file, ctx) => {
      try {
        safeRepositoryPath(file);
      } catch (error) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: (error as Error).message,
        });
      }
    });
}

/** `.git`, also as `.GIT` or with trailing dots and spaces (what other file systems ignore). */
function isGitDirectoryName(segment: string) {
  return segment.replace(/[. ]+$/, '').toLowerCase() === '.git';
}

/**
 * Walks `relative` (already checked by safeRepositoryPath) down from `root`,
 * refusing symbolic links anywhere on the way: a repository may hold a link
 * to `/etc`, and writing `link/passwd` must not follow it. With `create`,
 * missing directories are made one at a time (never `mkdir -p` through a link).
 */
async function resolveInside(
  root: string,
  relative: string,
  options: { create: boolean },
): Promise<string> {
  const parts = relative.split('/');
  let current = root;
  for (const [index, part] of parts.entries()) {
    current = path.join(current, part);
    const last = index === parts.length - 1;
    const stat = await fs.lstat(current).catch(() => undefined);
    if (stat?.isSymbolicLink()) {
      throw new Error(
        `'${parts
          .slice(0, index + 1)
          .join(
            '/',
          )}' in the repository is a symbolic link; it is not followed`,
      );
    }
    if (last) break;
    if (!stat) {
      if (!options.create) break;
      await fs.mkdir(current);
    } else if (!stat.isDirectory()) {
      throw new Error(
        `'${parts
          .slice(0, index + 1)
          .join('/')}' in the repository is not a directory`,
      );
    }
  }
  return path.join(root, ...parts);
}

/** Reads a file of the working copy; undefined when it does not exist. */
export async function readRepositoryFile(
  root: string,
  relative: string,
): Promise<string | undefined> {
  const target = await resolveInside(root, relative, { create: false });
  // O_NOFOLLOW: the last segment is checked again by the kernel, not only by lstat above.
  const handle = await fs
    .open(target, constants.O_RDONLY | constants.O_NOFOLLOW)
    .catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
      throw error;
    });
  if (!handle) return undefined;
  try {
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/** Creates or replaces a file of the working copy, never through a link. */
export async function writeRepositoryFile(
  root: string,
  relative: string,
  content: string,
): Promise<void> {
  const target = await resolveInside(root, relative, { create: true });
  const handle = await fs.open(
    target,
    constants.O_WRONLY |
      constants.O_CREAT |
      constants.O_TRUNC |
      constants.O_NOFOLLOW,
    0o644,
  );
  try {
    await handle.writeFile(content);
  } finally {
    await handle.close();
  }
}
