import fs from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { createGitopsActions } from './gitopsActions';
import { inputRefusal, runActionForTest } from '../../__testUtils__/runAction';
import { createGitopsRepo, sh } from '../../__testUtils__/gitopsRepo';

// Values from events reach these inputs through templates (issue 18, finding 2):
// each refusal happens in the schema, so the step fails naming the field and git never runs.
jest.setTimeout(30_000);

const author = { name: 'Event Orchestration', email: 'edo@example.com' };
const [, setReplicas, revert, commitFiles] = createGitopsActions(author, {
  allowedUrlSchemes: ['file'],
});

describe('gitops action inputs from events', () => {
  let repo: ReturnType<typeof createGitopsRepo>;
  beforeEach(() => {
    repo = createGitopsRepo();
  });
  afterEach(() => repo.cleanup());

  const commit = (message: string, file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(repo.work, file)), {
      recursive: true,
    });
    fs.writeFileSync(path.join(repo.work, file), text);
    sh(repo.work, 'add', '-A');
    sh(repo.work, 'commit', '--quiet', '-m', message);
    sh(repo.work, 'push', '--quiet', 'origin', 'HEAD:main');
  };

  it.each([
    '..',
    'apps/..',
    'apps/../',
    '.',
    './',
    'apps/./..',
    './/.',
    'a/../b',
  ])(
    'gitops:revert refuses path %j (manual-remediation with application "..") and commits nothing',
    async exploit => {
      // Another team's change after a known-good commit: a root-scoped revert would undo it.
      commit('Known good\n\nKnown-Good: true', 'README.md', 'good\n');
      commit('payments v2', 'apps/payments/deployment.yaml', 'v2\n');
      const before = repo.log();
      const input = { repository: repo.url, path: exploit };

      expect(inputRefusal(revert, input)).toMatch(
        /^path: file '.*' (must not contain '\.\.' segments|names the repository root|must be a relative path inside the repository)/,
      );
      await expect(
        runActionForTest(revert, input, { runId: 'r', stepId: 'rollback' }),
      ).rejects.toThrow(/must/);
      expect(repo.log()).toEqual(before);
      expect(repo.read('apps/payments/deployment.yaml')).toBe('v2');
    },
  );

  it('still reverts a path below the root, and the whole repository only when path is left out', () => {
    expect(
      inputRefusal(revert, { repository: repo.url, path: 'apps/payments' }),
    ).toBeUndefined();
    expect(
      inputRefusal(revert, { repository: repo.url, path: 'apps/payments/' }),
    ).toBeUndefined();
    expect(inputRefusal(revert, { repository: repo.url })).toBeUndefined();
    expect(inputRefusal(revert, { repository: repo.url, path: '' })).toMatch(
      /^path: /,
    );
  });

  it.each([
    ['apps/../apps/my-awesome-app/deployment.yaml'],
    ['apps/my-awesome-app/..'],
    ['/etc/passwd'],
  ])('gitops:set-replicas refuses file %j naming the field', file => {
    expect(
      inputRefusal(setReplicas, { repository: repo.url, file, replicas: 2 }),
    ).toMatch(/^file: file '.*' must/);
  });

  it.each([
    ['1\nkind: Secret', /^replicas: Expected number, received string/],
    [1001, /^replicas: Number must be less than or equal to 1000/],
    [2.5, /^replicas: Expected integer, received float/],
    [-1, /^replicas: Number must be greater than or equal to 0/],
  ])(
    'gitops:set-replicas refuses replicas %j naming the field, and the repository is unchanged',
    async (replicas, reason) => {
      const input = {
        repository: repo.url,
        file: 'apps/my-awesome-app/deployment.yaml',
        replicas,
      };
      expect(inputRefusal(setReplicas, input)).toMatch(reason);
      await expect(runActionForTest(setReplicas, input)).rejects.toThrow();
      expect(repo.log()).toHaveLength(1);
    },
  );

  it('gitops:set-replicas bounds max and increment, and takes only a Kubernetes name', () => {
    const input = {
      repository: repo.url,
      file: 'apps/my-awesome-app/deployment.yaml',
    };
    expect(
      inputRefusal(setReplicas, { ...input, increment: 1, max: 5000 }),
    ).toMatch(/^max: Number must be less than or equal to 1000/);
    expect(inputRefusal(setReplicas, { ...input, increment: 1e6 })).toMatch(
      /^increment: /,
    );
    expect(
      inputRefusal(setReplicas, { ...input, replicas: 2, name: 'a\nb' }),
    ).toMatch(/^name: "a\\nb" is not a valid Kubernetes object name/);
    expect(
      inputRefusal(setReplicas, {
        ...input,
        replicas: 1000,
        name: 'my-awesome-app',
      }),
    ).toBeUndefined();
  });

  it('gitops:commit-files writes a manifest through the YAML document: "1\\nkind: Secret" stays one value', async () => {
    const replicas = '1\nkind: Secret\nmetadata:\n  name: stolen';
    await runActionForTest(commitFiles, {
      repository: repo.url,
      message: 'Set up payments',
      files: [
        {
          path: 'deploy/deployment.yaml',
          manifest: {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            metadata: { name: 'payments' },
            spec: { replicas },
          },
        },
        {
          path: 'deploy/two.yaml',
          manifest: [{ kind: 'A' }, { kind: 'B', note: '---\nkind: C' }],
        },
      ],
    });
    const written = repo.read('deploy/deployment.yaml');
    expect(parseAllDocuments(written)).toHaveLength(1);
    expect(parse(written)).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'payments' },
      spec: { replicas },
    });
    expect(
      parseAllDocuments(repo.read('deploy/two.yaml')).map(d => d.toJS()),
    ).toEqual([{ kind: 'A' }, { kind: 'B', note: '---\nkind: C' }]);
  });

  it('gitops:commit-files takes exactly one of content and manifest per file', () => {
    const file = { path: 'a.yaml', content: 'a: 1\n', manifest: { a: 1 } };
    expect(
      inputRefusal(commitFiles, {
        repository: repo.url,
        message: 'm',
        files: [file],
      }),
    ).toBe('files.0: give exactly one of content, manifest');
    expect(
      inputRefusal(commitFiles, {
        repository: repo.url,
        message: 'm',
        files: [{ path: 'apps/../x.yaml', content: 'x' }],
      }),
    ).toMatch(
      /^files\.0\.path: file 'apps\/\.\.\/x\.yaml' must not contain '\.\.' segments/,
    );
  });
});
