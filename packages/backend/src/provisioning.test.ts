import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import catalogModuleTemplateKind from '@backstage/plugin-catalog-backend-module-scaffolder-entity-model';
import notificationsPlugin from '@backstage/plugin-notifications-backend';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import eventOrchestrationPlugin from '@edo/plugin-event-orchestration-backend';
import scaffolderModuleEventOrchestration from '@edo/plugin-scaffolder-backend-module-event-orchestration';
import request from 'supertest';
import { parse } from 'yaml';
import { demoGitHostPlugin } from './demoGitHost';
import { demoKubernetesPlugin } from './demoKubernetes';

jest.setTimeout(180_000);

const repoRoot = path.resolve(__dirname, '../../..');

/**
 * templates/provision-app-environment with sensors/app-provisioning.yaml, both
 * as they are in the repository, through the real scaffolder, the real catalog
 * and this example backend's stand-ins for a Kubernetes API server and a Git
 * host — what a developer gets from the example app. The sensor names the
 * example backend as http://localhost:7007; a local forwarder on a free port
 * plays that address, because the test backend's own port is random.
 */
describe('self-service provisioning in the example backend', () => {
  let dir: string;
  let forwarder: net.Server;
  let base: string;
  let backend: Awaited<ReturnType<typeof startTestBackend>>;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edo-provisioning-'));
    let backendPort = 0;
    forwarder = net.createServer(socket => {
      const upstream = net.connect(backendPort, '127.0.0.1');
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    });
    await new Promise<void>(r => forwarder.listen(0, '127.0.0.1', r));
    const port = (forwarder.address() as net.AddressInfo).port;
    base = `http://localhost:${port}`;

    const sensor = parse(
      fs
        .readFileSync(
          path.join(repoRoot, 'sensors/app-provisioning.yaml'),
          'utf8',
        )
        .replaceAll('http://localhost:7007', base),
    );
    backend = await startTestBackend({
      features: [
        catalogPlugin,
        catalogModuleTemplateKind,
        scaffolderPlugin,
        scaffolderModuleEventOrchestration,
        eventOrchestrationPlugin,
        notificationsPlugin,
        demoKubernetesPlugin,
        demoGitHostPlugin,
        // The template runs as the test backend's user; sign-in would put
        // their groups in the token: here, platform-team (as Guest's in the
        // example). app-provisioning requires the owner to be one of them.
        createServiceFactory({
          service: coreServices.userInfo,
          deps: {},
          factory: () => ({
            async getUserInfo(credentials) {
              const ref = (credentials.principal as { userEntityRef: string })
                .userEntityRef;
              return {
                userEntityRef: ref,
                ownershipEntityRefs: [ref, 'group:default/platform-team'],
              };
            },
          }),
        }),
        mockServices.rootConfig.factory({
          data: {
            app: { baseUrl: 'http://localhost:3000' },
            backend: {
              baseUrl: 'http://localhost:0',
              reading: { allow: [{ host: `localhost:${port}` }] },
            },
            catalog: {
              rules: [
                {
                  allow: ['Component', 'Template', 'Group', 'User', 'Location'],
                },
              ],
              locations: [
                {
                  type: 'file',
                  target: path.join(
                    repoRoot,
                    'templates/provision-app-environment/template.yaml',
                  ),
                },
                {
                  type: 'file',
                  target: path.join(repoRoot, 'catalog/org.yaml'),
                },
              ],
            },
            eventOrchestration: {
              sensors: [sensor],
              // The stand-in Git host is this backend, over http on loopback.
              gitops: {
                allowedUrlSchemes: ['http'],
                allowedCidrs: ['127.0.0.0/8', '::1/128'],
              },
              kubernetes: {
                clusters: [
                  {
                    name: 'demo',
                    url: `${base}/api/demo-kubernetes`,
                    skipTLSVerify: true,
                    serviceAccountToken: 'dev-kubernetes-token',
                  },
                ],
              },
            },
            demo: { standIns: true },
            demoGitHost: { root: path.join(dir, 'repos') },
          },
        }),
      ],
    });
    backendPort = (backend.server.address() as net.AddressInfo).port;
  });

  afterAll(async () => {
    await backend?.stop();
    await new Promise(r => forwarder?.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const waitFor = async <T>(
    what: string,
    probe: () => Promise<T | undefined>,
    ms = 60_000,
  ) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}`);
      await new Promise(r => setTimeout(r, 250));
    }
  };

  async function runTemplate(values: Record<string, unknown>) {
    await waitFor('the template in the catalog', async () => {
      const res = await request(backend.server).get(
        '/api/catalog/entities/by-name/template/default/provision-app-environment',
      );
      return res.status === 200 ? true : undefined;
    });
    const started = await request(backend.server)
      .post('/api/scaffolder/v2/tasks')
      .send({
        templateRef: 'template:default/provision-app-environment',
        values,
      });
    expect(started.status).toBe(201);
    const task = await waitFor(
      'the task to finish',
      async () => {
        const t = (
          await request(backend.server).get(
            `/api/scaffolder/v2/tasks/${started.body.id}`,
          )
        ).body;
        return ['completed', 'failed', 'cancelled'].includes(t.status)
          ? t
          : undefined;
      },
      120_000,
    );
    const events = (
      await request(backend.server).get(
        `/api/scaffolder/v2/tasks/${started.body.id}/events`,
      )
    ).body;
    const log = events
      .map((e: any) => e.body?.message)
      .filter(Boolean)
      .join('\n');
    const output = events.find((e: any) => e.type === 'completion')?.body
      ?.output;
    return { status: task.status as string, log, output };
  }

  it('creates the namespace, the Argo CD application, the commit and the catalog entry, and tells the owners', async () => {
    const { status, log, output } = await runTemplate({
      app: 'payments-api',
      repoUrl: 'github.com?owner=acme&repo=payments-api',
      owner: 'group:default/platform-team',
      environment: 'dev',
      cpu: '2',
      memory: '4Gi',
      replicas: 2,
    });
    if (status !== 'completed') throw new Error(`task ${status}:\n${log}`);
    expect(log).toMatch(/step namespace succeeded/);
    expect(log).toMatch(/step register succeeded/);

    const runId = output?.links
      ?.find((l: any) => l.title === 'The provisioning run')
      ?.url.split('run=')[1];
    expect(output.links[0]).toEqual({
      title: 'The new component',
      icon: 'catalog',
      url: '/catalog/default/component/payments-api',
    });
    const run = (
      await request(backend.server).get(
        `/api/event-orchestration/runs/${runId}`,
      )
    ).body;
    expect(run.status).toBe('succeeded');
    expect(run.entityRefs).toEqual(['component:default/payments-api']);
    expect(run.steps.map((s: any) => [s.id, s.status])).toEqual([
      ['record', 'succeeded'],
      ['namespace', 'succeeded'],
      ['argocd-application', 'succeeded'],
      ['repository', 'succeeded'],
      ['register', 'succeeded'],
      ['notify', 'succeeded'],
      ['tell-owners', 'skipped'],
    ]);
    const step = (id: string) => run.steps.find((s: any) => s.id === id);
    expect(step('namespace').output).toEqual({
      namespace: 'payments-api-dev',
      applied: [
        'Namespace payments-api-dev',
        'ResourceQuota payments-api-dev/default',
        'RoleBinding payments-api-dev/platform-team-admin',
      ],
    });
    expect(step('argocd-application').output).toEqual({
      applied: ['Application argocd/payments-api-dev'],
    });
    expect(step('notify').output).toEqual({
      recipients: ['group:default/platform-team'],
    });

    // The cluster stand-in, read back through its API as kubectl would.
    const k8s = (p: string) =>
      request(backend.server).get(`/api/demo-kubernetes${p}`);
    const quota = (
      await k8s('/api/v1/namespaces/payments-api-dev/resourcequotas/default')
    ).body;
    expect(quota.spec.hard).toEqual({
      'requests.cpu': '2',
      'requests.memory': '4Gi',
      'limits.cpu': '2',
      'limits.memory': '4Gi',
    });
    const namespace = (await k8s('/api/v1/namespaces/payments-api-dev')).body;
    expect(namespace.metadata.labels).toEqual({
      'app.kubernetes.io/name': 'payments-api',
      environment: 'dev',
      'app.kubernetes.io/managed-by': 'event-orchestration',
    });
    const binding = (
      await k8s(
        '/apis/rbac.authorization.k8s.io/v1/namespaces/payments-api-dev/rolebindings/platform-team-admin',
      )
    ).body;
    expect(binding.subjects).toEqual([
      {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'Group',
        name: 'platform-team',
      },
    ]);
    const application = (
      await k8s(
        '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/payments-api-dev',
      )
    ).body;
    expect(application.spec.source).toEqual({
      repoURL: `${base}/api/demo-git/acme/payments-api.git`,
      targetRevision: 'main',
      path: 'deploy',
    });
    expect(application.spec.destination.namespace).toBe('payments-api-dev');

    // The repository, cloned over the Git host stand-in's smart HTTP like any remote.
    const clone = path.join(dir, 'clone');
    // Not execFileSync: the Git host is served by this very process.
    await promisify(execFile)('git', [
      'clone',
      '--quiet',
      `${base}/api/demo-git/acme/payments-api.git`,
      clone,
    ]);
    const workflow = fs.readFileSync(
      path.join(clone, '.github/workflows/ci.yaml'),
      'utf8',
    );
    expect(workflow).toContain(
      'tags: ghcr.io/${{ github.repository_owner }}/payments-api:${{ github.sha }}',
    );
    expect(
      parse(fs.readFileSync(path.join(clone, 'deploy/deployment.yaml'), 'utf8'))
        .spec.replicas,
    ).toBe(2);
    const message = execFileSync(
      'git',
      ['-C', clone, 'log', '-1', '--format=%B'],
      { encoding: 'utf8' },
    );
    expect(message).toContain(
      'Set up payments-api: CI pipeline, deployment, catalog entry',
    );
    expect(message).toContain(`Event-Orchestration-Run: ${runId}`);
    expect(
      execFileSync('git', ['-C', clone, 'rev-list', '--count', 'HEAD'], {
        encoding: 'utf8',
      }).trim(),
    ).toBe('2');

    // The new component: in the catalog, owned by the team, read from that repository.
    const entity = await waitFor(
      'the new component in the catalog',
      async () => {
        const res = await request(backend.server).get(
          '/api/catalog/entities/by-name/component/default/payments-api',
        );
        return res.status === 200 ? res.body : undefined;
      },
    );
    expect(entity.spec.owner).toBe('group:default/platform-team');
    expect(
      entity.metadata.annotations['backstage.io/managed-by-origin-location'],
    ).toBe(
      `url:${base}/api/demo-git/acme/payments-api/raw/main/catalog-info.yaml`,
    );
    // Its Events tab lists the provisioning run.
    const runs = (
      await request(backend.server).get(
        '/api/event-orchestration/runs?entityRef=component:default/payments-api',
      )
    ).body;
    expect(runs.items.map((r: any) => r.id)).toContain(runId);
  });

  it("refuses to provision in the name of a team the requester is not in: no run, the reason in the task's log", async () => {
    const { status, log } = await runTemplate({
      app: 'someone-elses',
      repoUrl: 'github.com?owner=acme&repo=someone-elses',
      owner: 'group:default/payments-team',
      environment: 'dev',
      cpu: '2',
      memory: '4Gi',
      replicas: 2,
    });
    expect(status).toBe('failed');
    expect(log).toContain('event.data.owner in event.origin.ownership');
    const runs = (
      await request(backend.server).get(
        '/api/event-orchestration/runs?entityRef=component:default/someone-elses',
      )
    ).body;
    expect(runs.items).toEqual([]);
  });

  it('refuses a name that is not a DNS label before anything happens', async () => {
    const requests = async () =>
      (
        await request(backend.server).get(
          '/api/event-orchestration/events?type=portal.provisioning.requested',
        )
      ).body.items.length;
    const before = await requests();
    const started = await request(backend.server)
      .post('/api/scaffolder/v2/tasks')
      .send({
        templateRef: 'template:default/provision-app-environment',
        values: {
          app: 'Payments_API',
          repoUrl: 'github.com?owner=acme&repo=x',
          owner: 'group:default/platform-team',
          environment: 'dev',
          cpu: '2',
          memory: '4Gi',
          replicas: 2,
        },
      });
    expect(started.status).toBe(400);
    expect(started.body.errors[0].stack).toBe(
      'instance.app does not match pattern "^[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?$"',
    );
    expect(await requests()).toBe(before);
  });
});
