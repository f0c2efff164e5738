import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import eventOrchestrationPlugin from '@edo/plugin-event-orchestration-backend';
import request from 'supertest';
import { parse } from 'yaml';
import { scaffolderModuleEventOrchestration } from './module';

jest.setTimeout(120_000);

const repoRoot = path.resolve(__dirname, '../../..');

/** The repository's own template and sensor, the sensor pointed at this test's GitOps repository. */
function exampleTemplate(name: string): Entity {
  const entity = parse(
    fs.readFileSync(
      path.join(repoRoot, 'templates', name, 'template.yaml'),
      'utf8',
    ),
  );
  return { ...entity, metadata: { ...entity.metadata, namespace: 'default' } };
}
function exampleSensor(name: string, gitopsUrl: string) {
  const text = fs.readFileSync(
    path.join(repoRoot, 'sensors', `${name}.yaml`),
    'utf8',
  );
  return parse(text.replaceAll('../../.data/gitops.git', gitopsUrl));
}

const component: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'my-awesome-app',
    namespace: 'default',
    annotations: {
      'argocd/app-name': 'my-awesome-app',
      'backstage.io/kubernetes-namespace': 'prod-shop',
    },
  },
  spec: {
    type: 'service',
    lifecycle: 'production',
    owner: 'group:default/platform-team',
  },
};

function git(cwd: string, ...args: string[]) {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@t',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@t',
    },
  }).trim();
}

describe('templates/remediate-application with sensors/manual-remediation, through the real scaffolder', () => {
  let dir: string;
  let bare: string;
  let argocd: http.Server;
  const syncs: string[] = [];
  let backend: Awaited<ReturnType<typeof startTestBackend>>;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edo-remediate-'));
    bare = path.join(dir, 'gitops.git');
    const work = path.join(dir, 'work');
    git(dir, 'init', '--quiet', '--bare', '--initial-branch=main', bare);
    git(dir, 'clone', '--quiet', bare, work);
    const manifest = fs.readFileSync(
      path.join(
        repoRoot,
        'examples/gitops/apps/my-awesome-app/deployment.yaml',
      ),
      'utf8',
    );
    fs.mkdirSync(path.join(work, 'apps/my-awesome-app'), { recursive: true });
    fs.writeFileSync(
      path.join(work, 'apps/my-awesome-app/deployment.yaml'),
      manifest,
    );
    git(work, 'add', '.');
    git(work, 'commit', '--quiet', '-m', 'v1.2.2 verified\n\nKnown-Good: true');
    fs.writeFileSync(
      path.join(work, 'apps/my-awesome-app/deployment.yaml'),
      manifest.replace(/image: (\S+):\S+/, 'image: $1:v9.9.9-bad'),
    );
    git(work, 'commit', '--quiet', '-am', 'Deploy v9.9.9-bad');
    git(work, 'push', '--quiet', 'origin', 'HEAD:main');

    // Argo CD's sync endpoint, answering with the Application shape.
    argocd = http.createServer((req, res) => {
      syncs.push(`${req.method} ${req.url} ${req.headers.authorization}`);
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          metadata: { name: 'my-awesome-app' },
          status: {
            sync: { status: 'Synced' },
            health: { status: 'Healthy' },
            operationState: { phase: 'Running' },
          },
        }),
      );
    });
    await new Promise<void>(r => argocd.listen(0, '127.0.0.1', r));

    backend = await startTestBackend({
      features: [
        scaffolderPlugin,
        scaffolderModuleEventOrchestration,
        eventOrchestrationPlugin,
        catalogServiceMock.factory({
          entities: [exampleTemplate('remediate-application'), component],
        }),
        mockServices.rootConfig.factory({
          data: {
            backend: { baseUrl: 'http://localhost:0' },
            eventOrchestration: {
              argocd: {
                instances: [
                  {
                    name: 'test',
                    baseUrl: `http://127.0.0.1:${
                      (argocd.address() as AddressInfo).port
                    }`,
                    token: 'argocd-token',
                  },
                ],
              },
              // A local bare repository: the deployment has to allow file remotes.
              gitops: { allowedUrlSchemes: ['file'] },
              sensors: [exampleSensor('manual-remediation', `file://${bare}`)],
            },
          },
        }),
      ],
    });
  });

  afterAll(async () => {
    await backend?.stop();
    await new Promise(r => argocd?.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function runTemplate(values: Record<string, unknown>) {
    const started = await request(backend.server)
      .post('/api/scaffolder/v2/tasks')
      .send({ templateRef: 'template:default/remediate-application', values });
    expect(started.status).toBe(201);
    let task: any;
    for (let i = 0; i < 300; i++) {
      task = (
        await request(backend.server).get(
          `/api/scaffolder/v2/tasks/${started.body.id}`,
        )
      ).body;
      if (['completed', 'failed', 'cancelled'].includes(task.status)) break;
      await new Promise(r => setTimeout(r, 200));
    }
    const log = (
      await request(backend.server).get(
        `/api/scaffolder/v2/tasks/${started.body.id}/events`,
      )
    ).body
      .map((e: any) => e.body?.message)
      .filter(Boolean)
      .join('\n');
    return { status: task.status as string, log };
  }

  const latestRun = async () =>
    (
      await request(backend.server).get(
        '/api/event-orchestration/runs?sensor=manual-remediation',
      )
    ).body.items[0];

  it('scales to N replicas by a commit and syncs, recording who asked and why', async () => {
    const { status, log } = await runTemplate({
      application: 'component:default/my-awesome-app',
      action: 'scale',
      replicas: 4,
      reason: 'INC-42: latency above SLO',
    });
    if (status !== 'completed') throw new Error(`task ${status}:\n${log}`);
    expect(
      git(
        dir,
        '--git-dir',
        bare,
        'show',
        'main:apps/my-awesome-app/deployment.yaml',
      ),
    ).toMatch(/replicas: 4/);
    const run = await latestRun();
    expect(run.status).toBe('succeeded');
    expect(run.entityRefs).toEqual(['component:default/my-awesome-app']);
    expect(run.steps.map((s: any) => [s.id, s.status])).toEqual([
      ['record', 'succeeded'],
      ['rollback', 'skipped'],
      ['scale', 'succeeded'],
      ['sync', 'succeeded'],
      ['restart', 'skipped'],
      ['tell-owners', 'skipped'],
    ]);
    expect(run.steps[0].logs[0]).toMatch(
      /user:default\/mock asked to scale my-awesome-app: INC-42: latency above SLO$/,
    );
    expect(syncs).toEqual([
      'POST /api/v1/applications/my-awesome-app/sync Bearer argocd-token',
    ]);
  });

  it('rolls back to the last known-good commit', async () => {
    const { status, log } = await runTemplate({
      application: 'component:default/my-awesome-app',
      action: 'rollback',
      reason: 'v9.9.9-bad breaks checkout',
    });
    if (status !== 'completed') throw new Error(`task ${status}:\n${log}`);
    const deployed = git(
      dir,
      '--git-dir',
      bare,
      'show',
      'main:apps/my-awesome-app/deployment.yaml',
    );
    expect(deployed).toContain('my-awesome-app:v1.2.2');
    expect(deployed).toMatch(/replicas: 3/); // the scale above is undone too: back to the known-good state
    expect(
      git(dir, '--git-dir', bare, 'log', '-1', '--format=%s', 'main'),
    ).toBe('Revert apps/my-awesome-app');
    const run = await latestRun();
    expect(run.steps.map((s: any) => [s.id, s.status])).toEqual([
      ['record', 'succeeded'],
      ['rollback', 'succeeded'],
      ['scale', 'skipped'],
      ['sync', 'succeeded'],
      ['restart', 'skipped'],
      ['tell-owners', 'skipped'],
    ]);
  });

  it('refuses a form without a reason before anything is published', async () => {
    const started = await request(backend.server)
      .post('/api/scaffolder/v2/tasks')
      .send({
        templateRef: 'template:default/remediate-application',
        values: {
          application: 'component:default/my-awesome-app',
          action: 'sync',
        },
      });
    expect(started.status).toBe(400);
    expect(JSON.stringify(started.body)).toMatch(/reason/);
  });
});
