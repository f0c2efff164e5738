import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { Knex } from 'knex';
import { mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  OrchestrationEvent,
  SensorSpec,
} from '@edo/plugin-event-orchestration-common';
import {
  ActionRegistry,
  createGitopsActions,
  createHttpRequestAction,
} from '../actions';
import { EntityResolver } from '../catalog';
import { OrchestrationDatabase, tuneSqlite } from '../store';
import { startHttpSink } from '../__testUtils__/httpSink';
import { sh as git } from '../__testUtils__/gitopsRepo';
import { RunEngine } from './RunEngine';

// The sinks listen on loopback, which http:request refuses unless allowed.
const httpRequestAction = createHttpRequestAction({
  allowedCidrs: ['127.0.0.1/32'],
});

jest.setTimeout(120_000);

const event: OrchestrationEvent = {
  specversion: '1.0',
  id: 'ci-build-4711',
  source: '/ci',
  type: 'ci.image.pushed',
  subject: 'my-awesome-app',
  time: '2026-11-24T08:00:00.000Z',
  data: { image: 'ghcr.io/acme/my-awesome-app', tag: 'v1.2.3' },
};

async function until<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 50));
  }
}

/**
 * The crash the run engine is built for, with real processes: a backend process
 * is killed (SIGKILL) while its GitOps step is pushing; the push still lands;
 * another process takes the run over when the lease expires, retries the step
 * with the same idempotency key, finds the commit, and finishes the run — one
 * commit, one notification, one finished run.
 */
describe('RunEngine across a killed process', () => {
  let dir: string;
  let knex: Knex;
  let child: ChildProcess | undefined;
  let sink: Awaited<ReturnType<typeof startHttpSink>>;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edo-crash-'));
    knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: path.join(dir, 'backend.sqlite') },
      useNullAsDefault: true,
    });
    await knex.migrate.latest({
      directory: path.resolve(__dirname, '../../migrations'),
    });
    await tuneSqlite(knex, mockServices.logger.mock());
    sink = await startHttpSink();
  });
  afterEach(async () => {
    child?.kill('SIGKILL');
    await sink.close();
    await knex.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('finishes the run exactly once, with the commit and the notification made once', async () => {
    // The GitOps repository; its pre-receive hook holds every push until released.
    const bare = path.join(dir, 'gitops.git');
    const seed = path.join(dir, 'seed');
    git(dir, 'init', '--quiet', '--bare', '--initial-branch=main', bare);
    git(dir, 'clone', '--quiet', bare, seed);
    fs.writeFileSync(
      path.join(seed, 'deployment.yaml'),
      'kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: ghcr.io/acme/my-awesome-app:v1.2.2\n',
    );
    git(seed, 'add', '.');
    git(seed, 'commit', '--quiet', '-m', 'initial');
    git(seed, 'push', '--quiet', 'origin', 'HEAD:main');
    const waiting = path.join(dir, 'push-waiting');
    const release = path.join(dir, 'push-release');
    fs.writeFileSync(
      path.join(bare, 'hooks/pre-receive'),
      `#!/bin/sh\ntouch '${waiting}'\nwhile [ ! -f '${release}' ]; do sleep 0.05; done\nexit 0\n`,
      { mode: 0o755 },
    );

    const store = OrchestrationDatabase.create({ knex });
    const logger = mockServices.logger.mock();
    const actions = new ActionRegistry();
    actions.register(
      httpRequestAction,
      ...createGitopsActions(
        { name: 'Event Orchestration', email: 'edo@example.com' },
        { allowedUrlSchemes: ['file'] },
      ),
    );
    const entities = new EntityResolver(
      catalogServiceMock({ entities: [] }),
      mockServices.auth(),
      logger,
    );
    const sensor: SensorSpec = {
      name: 'deploy-new-image',
      dependencies: [
        {
          name: 'image',
          eventType: 'ci.image.pushed',
          filters: { data: [] },
          filtersLogicalOperator: 'and',
        },
      ],
      cancelOnResolve: false,
      workflow: {
        steps: [
          {
            id: 'deploy',
            action: 'gitops:set-image',
            input: {
              repository: `file://${bare}`,
              file: 'deployment.yaml',
              image: '${{ event.data.image }}',
              tag: '${{ event.data.tag }}',
            },
          },
          {
            id: 'notify',
            action: 'http:request',
            input: {
              url: `${sink.url}/notify`,
              body: { commit: '${{ steps.deploy.output.commitSha }}' },
            },
          },
        ],
        onFailure: [],
      },
    };
    await store.events.recordEvent({ event, entityRefs: [] });
    // Created here, executed by the child process.
    const creator = new RunEngine({ store, actions, entities, logger });
    const { run } = await creator.startRun({
      sensor,
      triggerEventIds: [event.id],
      entityRefs: [],
    });

    child = spawn(
      process.execPath,
      [
        '-e',
        `require('@backstage/cli/config/nodeTransform.cjs'); require(${JSON.stringify(
          path.resolve(__dirname, '../__testUtils__/runEngineProcess.ts'),
        )});`,
      ],
      {
        cwd: path.resolve(__dirname, '../..'),
        env: {
          ...process.env,
          EDO_DB: path.join(dir, 'backend.sqlite'),
          EDO_LEASE_MS: '1500',
        },
        stdio: 'pipe',
      },
    );
    let childOutput = '';
    child.stdout!.on('data', d => (childOutput += d));
    child.stderr!.on('data', d => (childOutput += d));
    await until(
      'the child to be pushing',
      () => fs.existsSync(waiting),
      60_000,
    ).catch(error => {
      throw new Error(`${error.message}; child said: ${childOutput}`);
    });
    const exited = new Promise(r => child!.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    child = undefined;
    expect((await store.runs.getRun({ id: run.id }))!.status).toBe('running'); // the dead process's run

    // The push the dead process started still lands.
    fs.writeFileSync(release, '');
    const keyed = () =>
      git(
        dir,
        '--git-dir',
        bare,
        'log',
        '--format=%H',
        '--fixed-strings',
        `--grep=Event-Orchestration-Key: ${run.id}:deploy`,
        'main',
      );
    const landed = await until('the orphaned push to land', () => keyed());

    let finishedHooks = 0;
    const survivor = new RunEngine(
      {
        store,
        actions,
        entities,
        logger,
        hooks: { onFinished: async () => void finishedHooks++ },
      },
      { leaseMs: 1500, pollIntervalMs: 100 },
    );
    survivor.start();
    try {
      const done = await until('the run to finish', async () => {
        const r = await store.runs.getRun({ id: run.id });
        return r && ['succeeded', 'failed'].includes(r.status) ? r : undefined;
      });
      await new Promise(r => setTimeout(r, 500));
      expect(done.status).toBe('succeeded');
      expect(done.steps.map(s => [s.id, s.status, s.attempts])).toEqual([
        ['deploy', 'succeeded', 2],
        ['notify', 'succeeded', 1],
      ]);
      expect(done.steps[0].output).toEqual({
        commitSha: landed,
        changed: true,
        url: '',
      });
      expect(
        git(dir, '--git-dir', bare, 'log', '--format=%s', 'main').split('\n'),
      ).toEqual(['Deploy ghcr.io/acme/my-awesome-app:v1.2.3', 'initial']);
      const notifications = sink.received.filter(r => r.path === '/notify');
      expect(notifications).toHaveLength(1);
      expect(notifications[0].headers['idempotency-key']).toBe(
        `${run.id}:notify`,
      );
      expect(JSON.parse(notifications[0].body)).toEqual({ commit: landed });
      expect(finishedHooks).toBe(1);
    } finally {
      await survivor.stop();
    }
  });
});
