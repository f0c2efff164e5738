import { ConfigReader } from '@backstage/config';
import { OrchestrationAction } from '@edo/plugin-event-orchestration-node';
import {
  FakeKubernetes,
  startFakeKubernetes,
} from '../../__testUtils__/fakeKubernetes';
import { runActionForTest } from '../../__testUtils__/runAction';
import {
  createKubernetesActions,
  readKubernetesClusters,
} from './kubernetesActions';

jest.setTimeout(30_000);

describe('kubernetes and argo-workflows actions', () => {
  let fake: FakeKubernetes;
  let actions: Map<string, OrchestrationAction>;
  const run = (
    id: string,
    input: Record<string, unknown>,
    ids = { runId: 'run-1', stepId: 'step' },
  ) => runActionForTest(actions.get(id)!, input, ids);
  const writes = () => fake.requests.filter(r => r.method !== 'GET');

  beforeEach(async () => {
    fake = await startFakeKubernetes();
    actions = new Map(
      createKubernetesActions([
        {
          name: 'prod',
          url: fake.url,
          serviceAccountToken: 'sa-token',
          skipTLSVerify: true,
        },
      ]).map(a => [a.id, a]),
    );
    fake.apply('deployments', {
      metadata: { name: 'my-awesome-app', namespace: 'shop' },
      spec: {
        replicas: 3,
        template: { metadata: { labels: { app: 'my-awesome-app' } } },
      },
    });
  });
  afterEach(() => fake.close());

  it('kubernetes:scale increments up to the max with a merge patch, and changes nothing when already there', async () => {
    expect(
      await run('kubernetes:scale', {
        namespace: 'shop',
        name: 'my-awesome-app',
        increment: 2,
        max: 4,
      }),
    ).toEqual({
      previousReplicas: 3,
      replicas: 4,
      changed: true,
    });
    expect(writes()).toEqual([
      expect.objectContaining({
        method: 'PATCH',
        path: '/apis/apps/v1/namespaces/shop/deployments/my-awesome-app',
        contentType: 'application/merge-patch+json',
        authorization: 'Bearer sa-token',
        body: expect.objectContaining({ spec: { replicas: 4 } }),
      }),
    ]);
    expect(
      fake.get('deployments', 'my-awesome-app', 'shop').spec.replicas,
    ).toBe(4);
    expect(
      await run('kubernetes:scale', {
        namespace: 'shop',
        name: 'my-awesome-app',
        increment: 2,
        max: 4,
      }),
    ).toMatchObject({
      replicas: 4,
      changed: false,
    });
    expect(writes()).toHaveLength(1);
  });

  it('kubernetes:rollout-restart annotates the pod template once per step', async () => {
    const first = await run('kubernetes:rollout-restart', {
      namespace: 'shop',
      name: 'my-awesome-app',
    });
    expect(first.changed).toBe(true);
    const annotations = fake.get('deployments', 'my-awesome-app', 'shop').spec
      .template.metadata.annotations;
    expect(annotations).toEqual({
      'kubectl.kubernetes.io/restartedAt': first.restartedAt,
      'event-orchestration.io/restart-key': 'run-1:step',
    });
    expect(writes()[0].contentType).toBe(
      'application/strategic-merge-patch+json',
    );
    // The same step retried: no second restart. Another step: restarts.
    expect(
      await run('kubernetes:rollout-restart', {
        namespace: 'shop',
        name: 'my-awesome-app',
      }),
    ).toMatchObject({ changed: false });
    expect(writes()).toHaveLength(1);
    await run(
      'kubernetes:rollout-restart',
      { namespace: 'shop', name: 'my-awesome-app' },
      { runId: 'run-2', stepId: 'step' },
    );
    expect(writes()).toHaveLength(2);
  });

  it('kubernetes:patch sends merge, strategic and JSON patches with their content types', async () => {
    fake.apply('configmaps', {
      metadata: { name: 'flags', namespace: 'shop' },
      data: { checkout: 'on', search: 'on' },
    });
    await run('kubernetes:patch', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'shop',
      name: 'flags',
      type: 'merge',
      patch: { data: { search: 'off' } },
    });
    await run('kubernetes:patch', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'shop',
      name: 'flags',
      type: 'json',
      patch: [
        { op: 'remove', path: '/data/checkout' },
        { op: 'add', path: '/data/cart', value: 'beta' },
      ],
    });
    expect(fake.get('configmaps', 'flags', 'shop').data).toEqual({
      search: 'off',
      cart: 'beta',
    });
    expect(
      writes().map(r => [r.contentType, r.query.get('fieldManager')]),
    ).toEqual([
      ['application/merge-patch+json', 'event-orchestration'],
      ['application/json-patch+json', 'event-orchestration'],
    ]);
    await expect(
      run('kubernetes:patch', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'shop',
        name: 'flags',
        type: 'json',
        patch: { data: {} },
      }),
    ).rejects.toThrow('a json patch is a list of operations');
    await expect(
      run('kubernetes:patch', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'shop',
        name: 'missing',
        type: 'merge',
        patch: { data: {} },
      }),
    ).rejects.toThrow(
      'patching ConfigMap shop/missing: 404 NotFound: configmaps "missing" not found',
    );
  });

  it('kubernetes:apply server-side applies YAML documents, and applying again changes nothing', async () => {
    const manifests = `
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {LOG_LEVEL: debug}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker, namespace: jobs}
spec: {replicas: 2}
`;
    const output = await run('kubernetes:apply', {
      namespace: 'shop',
      manifests,
    });
    expect(output).toEqual({
      applied: ['ConfigMap shop/settings', 'Deployment jobs/worker'],
    });
    expect(
      writes().map(r => [
        r.path,
        r.contentType,
        r.query.get('fieldManager'),
        r.query.get('force'),
      ]),
    ).toEqual([
      [
        '/api/v1/namespaces/shop/configmaps/settings',
        'application/apply-patch+yaml',
        'event-orchestration',
        'true',
      ],
      [
        '/apis/apps/v1/namespaces/jobs/deployments/worker',
        'application/apply-patch+yaml',
        'event-orchestration',
        'true',
      ],
    ]);
    await run('kubernetes:apply', { namespace: 'shop', manifests });
    expect(fake.get('configmaps', 'settings', 'shop').data).toEqual({
      LOG_LEVEL: 'debug',
    });
    expect(fake.get('deployments', 'worker', 'jobs').spec.replicas).toBe(2);
    await expect(
      run('kubernetes:apply', {
        manifests: 'kind: ConfigMap\nmetadata: {name: x}',
      }),
    ).rejects.toThrow(
      'every manifest needs apiVersion, kind and metadata.name',
    );
  });

  it('kubernetes:create-namespace creates the namespace, its quota and the owner’s RoleBinding', async () => {
    const output = await run('kubernetes:create-namespace', {
      name: 'team-a-dev',
      labels: { 'backstage.io/owner': 'team-a' },
      owner: 'group:default/team-a',
      quota: { 'requests.cpu': '4', pods: 20 },
    });
    expect(output).toEqual({
      namespace: 'team-a-dev',
      applied: [
        'Namespace team-a-dev',
        'ResourceQuota team-a-dev/default',
        'RoleBinding team-a-dev/team-a-admin',
      ],
    });
    expect(
      fake.get('namespaces', 'team-a-dev', undefined).metadata.labels,
    ).toEqual({
      'backstage.io/owner': 'team-a',
      'app.kubernetes.io/managed-by': 'event-orchestration',
    });
    expect(fake.get('resourcequotas', 'default', 'team-a-dev').spec).toEqual({
      hard: { 'requests.cpu': '4', pods: '20' },
    });
    expect(
      fake.get('rolebindings', 'team-a-admin', 'team-a-dev'),
    ).toMatchObject({
      roleRef: { kind: 'ClusterRole', name: 'admin' },
      subjects: [{ kind: 'Group', name: 'team-a' }],
    });
  });

  it('argo-workflows:submit creates one Workflow per step, waits for its phase, and finds it again on retry', async () => {
    // The "controller": moves a new workflow to Running, then Succeeded.
    const controller = setInterval(() => {
      for (const request of fake.requests.filter(
        r => r.method === 'POST' && r.path.endsWith('/workflows'),
      )) {
        const wf = fake.get('workflows', request.body.metadata.name, 'ci');
        if (!wf?.status)
          fake.apply('workflows', { ...wf, status: { phase: 'Running' } });
        else if (wf.status.phase === 'Running')
          fake.apply('workflows', {
            ...wf,
            status: { phase: 'Succeeded', message: 'done' },
          });
      }
    }, 30);
    try {
      const input = {
        namespace: 'ci',
        workflowTemplate: 'build-and-test',
        parameters: { image: 'my-awesome-app', tag: 'v1.2.3' },
        wait: true,
        pollIntervalSeconds: 0.02,
      };
      const output = await run('argo-workflows:submit', input);
      expect(output).toEqual({
        name: expect.stringMatching(/^build-and-test-[0-9a-f]{10}$/),
        phase: 'Succeeded',
        message: 'done',
      });
      const created = fake.requests.find(r => r.method === 'POST')!;
      expect(created.path).toBe(
        '/apis/argoproj.io/v1alpha1/namespaces/ci/workflows',
      );
      expect(created.body).toMatchObject({
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Workflow',
        metadata: {
          name: output.name,
          labels: { 'event-orchestration.io/run': 'run-1' },
        },
        spec: {
          workflowTemplateRef: { name: 'build-and-test' },
          arguments: {
            parameters: [
              { name: 'image', value: 'my-awesome-app' },
              { name: 'tag', value: 'v1.2.3' },
            ],
          },
        },
      });
      // The step retried with the same idempotency key: no second workflow.
      expect(await run('argo-workflows:submit', input)).toEqual(output);
      expect(fake.requests.filter(r => r.method === 'POST')).toHaveLength(2);
      expect(
        fake.get('workflows', output.name as string, 'ci').status.phase,
      ).toBe('Succeeded');
    } finally {
      clearInterval(controller);
    }
  });

  it('argo-workflows:submit fails the step when the workflow fails', async () => {
    const controller = setInterval(() => {
      const post = fake.requests.find(r => r.method === 'POST');
      const wf = post && fake.get('workflows', post.body.metadata.name, 'ci');
      if (wf && !wf.status)
        fake.apply('workflows', {
          ...wf,
          status: { phase: 'Failed', message: 'child "test" failed' },
        });
    }, 30);
    try {
      await expect(
        run('argo-workflows:submit', {
          namespace: 'ci',
          spec: { entrypoint: 'main', templates: [] },
          wait: true,
          pollIntervalSeconds: 0.02,
        }),
      ).rejects.toThrow(
        /workflow ci\/event-orchestration-[0-9a-f]{10} ended Failed: child "test" failed/,
      );
    } finally {
      clearInterval(controller);
    }
  });

  it('names the cluster problems clearly', async () => {
    await expect(
      run('kubernetes:scale', {
        cluster: 'staging',
        namespace: 'shop',
        name: 'x',
        replicas: 1,
      }),
    ).rejects.toThrow(
      "no Kubernetes cluster named 'staging' (configured: prod)",
    );
    await expect(
      run('kubernetes:scale', { namespace: 'shop', name: 'nope', replicas: 1 }),
    ).rejects.toThrow(
      'reading Deployment shop/nope: 404 NotFound: deployments "nope" not found',
    );
  });

  it('reads clusters from its own config or from Backstage’s kubernetes config', () => {
    expect(
      readKubernetesClusters(
        new ConfigReader({
          kubernetes: {
            clusterLocatorMethods: [
              {
                type: 'config',
                clusters: [
                  {
                    name: 'prod',
                    url: 'https://k8s.example.com',
                    authProvider: 'serviceAccount',
                    serviceAccountToken: 't',
                  },
                ],
              },
            ],
          },
        }),
      ),
    ).toEqual([
      {
        name: 'prod',
        url: 'https://k8s.example.com',
        serviceAccountToken: 't',
        caData: undefined,
        skipTLSVerify: false,
      },
    ]);
    expect(() =>
      readKubernetesClusters(
        new ConfigReader({
          eventOrchestration: {
            kubernetes: { clusters: [{ name: 'x', url: 'http://k8s' }] },
          },
        }),
      ),
    ).toThrow(
      "eventOrchestration.kubernetes.clusters[0].url 'http://k8s': an http:// URL needs skipTLSVerify: true",
    );
  });
});
