/* eslint-disable jest/expect-expect, jest/no-conditional-expect -- fc.assert is the assertion: it throws with the counterexample; each generated case takes one of two outcomes */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { safeRepositoryPath, writeRepositoryFile } from './repositoryPaths';
import { branchNameProblem, checkRemote } from './gitRemotes';

jest.setTimeout(120_000);

/**
 * Generated path inputs for the GitOps actions (every action's `file`, `path`
 * and `files[].path` goes through safeRepositoryPath, then these file
 * functions): 10,000 paths built from the pieces that make escapes — `..`,
 * `.git` in any case, absolute starts, backslashes, NUL, a symbolic link out of
 * the clone, unicode. Each one must be written inside the clone or refused
 * with a reason; nothing may land outside it or under `.git`.
 */
describe('GitOps path inputs, generated', () => {
  let root: string;
  let clone: string;
  let outside: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'edo-paths-fuzz-'));
    clone = path.join(root, 'clone');
    outside = path.join(root, 'outside');
    fs.mkdirSync(path.join(clone, '.git'), { recursive: true });
    fs.mkdirSync(outside);
    fs.symlinkSync(outside, path.join(clone, 'link'));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  const segment = fc.oneof(
    fc.constantFrom(
      '..',
      '.',
      '',
      '.git',
      '.GIT',
      '.Git.',
      '.git ',
      'link',
      'apps',
      'a\\..\\..',
      '\0',
      '~',
      'é',
      '📦',
    ),
    fc.string({ maxLength: 8 }),
  );
  const generatedPath = fc
    .tuple(
      fc.constantFrom('', '/', './', '\\', '//'),
      fc.array(segment, { minLength: 1, maxLength: 6 }),
    )
    .map(([start, parts]) => start + parts.join('/'));

  function filesUnder(dir: string): string[] {
    return fs
      .readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter(entry => entry.isFile())
      .map(entry => path.join(entry.parentPath, entry.name));
  }

  it('writes 10,000 generated paths inside the clone or refuses them with a reason', async () => {
    let written = 0;
    await fc.assert(
      fc.asyncProperty(generatedPath, async file => {
        let safe: string;
        try {
          safe = safeRepositoryPath(file);
          await writeRepositoryFile(clone, safe, 'x');
          written++;
        } catch (error) {
          // fs errors come from another realm than jest's Error: check the shape.
          expect(typeof (error as Error).message).toBe('string');
          expect((error as Error).message).toMatch(
            /must|symbolic link|not a directory|EISDIR|EEXIST|ENAMETOOLONG|EINVAL/,
          );
          return;
        }
        const real = fs.realpathSync(path.join(clone, safe));
        expect(real.startsWith(`${fs.realpathSync(clone)}${path.sep}`)).toBe(
          true,
        );
      }),
      { numRuns: 10_000 },
    );
    expect(written).toBeGreaterThan(100);
    expect(filesUnder(outside)).toEqual([]);
    expect(filesUnder(path.join(clone, '.git'))).toEqual([]);
  });

  it('accepts as a branch only names git check-ref-format --branch accepts', () => {
    const checkedByGit = (name: string) => {
      try {
        execFileSync('git', ['check-ref-format', '--branch', name], {
          stdio: 'ignore',
        });
        return true;
      } catch {
        return false;
      }
    };
    const piece = fc.oneof(
      fc.constantFrom(
        '-',
        '.',
        '..',
        '/',
        '@',
        '@{',
        '.lock',
        ' ',
        ':',
        '~',
        '^',
        '*',
        '[',
        '\\',
        '\t',
        'main',
        'é',
      ),
      fc.string({ maxLength: 4 }),
    );
    fc.assert(
      fc.property(
        fc.array(piece, { minLength: 1, maxLength: 5 }).map(p => p.join('')),
        name => {
          // NUL cannot be passed to a process at all; git never sees such a name.
          fc.pre(!name.includes('\0'));
          if (branchNameProblem(name) === undefined) {
            expect(checkedByGit(name)).toBe(true);
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('refuses 10,000 generated remotes that are options or transport helpers', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('-', 'ext::', 'fd::', 'EXT::', '--upload-pack='),
        fc.string({ maxLength: 40 }),
        (start, text) => {
          expect(() =>
            checkRemote(`${start}${text}`, ['https', 'ssh'], 'remote'),
          ).toThrow(/allowedUrlSchemes does not allow/);
        },
      ),
      { numRuns: 10_000 },
    );
  });
});
