import { OrchestrationAction } from '@edo/plugin-event-orchestration-node';
import {
  FakeKubernetes,
  startFakeKubernetes,
} from '../../__testUtils__/fakeKubernetes';
import { runActionForTest } from '../../__testUtils__/runAction';
import { clusterPicker } from './clusterClient';
import { createRolloutStatusAction } from './rolloutStatus';

jest.setTimeout(30_000);

const deployment = (spec: any, status: any, generation = 2) => ({
  metadata: { name: 'my-awesome-app', namespace: 'shop', generation },
  spec: { replicas: 3, ...spec },
  status,
});

const rolledOut = {
  observedGeneration: 2,
  replicas: 3,
  updatedReplicas: 3,
  readyReplicas: 3,
  availableReplicas: 3,
  conditions: [
    { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
    { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
  ],
};

describe('kubernetes:rollout-status', () => {
  let fake: FakeKubernetes;
  let action: OrchestrationAction;
  const run = (input: Record<string, unknown>) =>
    runActionForTest(action, input);

  beforeEach(async () => {
    fake = await startFakeKubernetes();
    action = createRolloutStatusAction(
      clusterPicker([
        {
          name: 'prod',
          url: fake.url,
          serviceAccountToken: 'sa-token',
          skipTLSVerify: true,
        },
      ]),
      { pollIntervalMs: 100 },
    );
  });
  afterEach(() => fake.close());

  it('succeeds at once for a Deployment whose rollout is complete', async () => {
    fake.apply('deployments', deployment({}, rolledOut));
    expect(await run({ namespace: 'shop', name: 'my-awesome-app' })).toEqual({
      replicas: 3,
      updatedReplicas: 3,
      availableReplicas: 3,
      observedGeneration: 2,
      waitedSeconds: 0,
    });
    expect(fake.requests.map(r => `${r.method} ${r.path}`)).toContain(
      'GET /apis/apps/v1/namespaces/shop/deployments/my-awesome-app',
    );
    expect(fake.requests.every(r => r.method === 'GET')).toBe(true);
  });

  it('polls until the controller reports the new generation updated and available', async () => {
    fake.apply(
      'deployments',
      deployment(
        {},
        {
          ...rolledOut,
          observedGeneration: 1,
          updatedReplicas: 1,
          availableReplicas: 2,
          replicas: 4,
        },
      ),
    );
    const result = run({
      namespace: 'shop',
      name: 'my-awesome-app',
      timeoutSeconds: 10,
    });
    await new Promise(resolve => setTimeout(resolve, 400));
    fake.apply('deployments', deployment({}, rolledOut));
    expect(await result).toMatchObject({ availableReplicas: 3 });
    const reads = fake.requests.filter(r =>
      r.path.endsWith('/deployments/my-awesome-app'),
    );
    expect(reads.length).toBeGreaterThan(2);
  });

  it('fails after the timeout naming everything that is not ready', async () => {
    fake.apply(
      'deployments',
      deployment(
        {},
        {
          observedGeneration: 1,
          replicas: 4,
          updatedReplicas: 1,
          readyReplicas: 2,
          availableReplicas: 2,
          conditions: [
            {
              type: 'Available',
              status: 'False',
              reason: 'MinimumReplicasUnavailable',
              message: 'Deployment does not have minimum availability.',
            },
          ],
        },
      ),
    );
    await expect(
      run({ namespace: 'shop', name: 'my-awesome-app', timeoutSeconds: 1 }),
    ).rejects.toThrow(
      'Deployment shop/my-awesome-app did not finish its rollout within 1s: ' +
        'the controller has not observed the latest spec yet (observedGeneration 1 < generation 2); ' +
        '1 of 3 replicas updated; 3 old replicas pending termination; 2 of 3 replicas available; ' +
        'condition Available=False (MinimumReplicasUnavailable): Deployment does not have minimum availability.',
    );
  });

  it('fails at once when the Deployment exceeded its progress deadline', async () => {
    fake.apply(
      'deployments',
      deployment(
        {},
        {
          ...rolledOut,
          updatedReplicas: 1,
          conditions: [
            {
              type: 'Progressing',
              status: 'False',
              reason: 'ProgressDeadlineExceeded',
              message:
                'ReplicaSet "my-awesome-app-7d9c" has timed out progressing.',
            },
          ],
        },
      ),
    );
    const started = Date.now();
    await expect(
      run({ namespace: 'shop', name: 'my-awesome-app', timeoutSeconds: 60 }),
    ).rejects.toThrow(
      'Deployment shop/my-awesome-app exceeded its progress deadline: ReplicaSet "my-awesome-app-7d9c" has timed out progressing.',
    );
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('checks a StatefulSet: ready replicas and the update revision', async () => {
    fake.apply('statefulsets', {
      metadata: { name: 'my-awesome-db', namespace: 'shop', generation: 5 },
      spec: { replicas: 2, updateStrategy: { type: 'RollingUpdate' } },
      status: {
        observedGeneration: 5,
        replicas: 2,
        updatedReplicas: 2,
        readyReplicas: 1,
        availableReplicas: 1,
        currentRevision: 'my-awesome-db-6b8f',
        updateRevision: 'my-awesome-db-7c9d',
      },
    });
    await expect(
      run({
        namespace: 'shop',
        name: 'my-awesome-db',
        kind: 'StatefulSet',
        timeoutSeconds: 1,
      }),
    ).rejects.toThrow(
      'StatefulSet shop/my-awesome-db did not finish its rollout within 1s: ' +
        '1 of 2 replicas ready; current revision my-awesome-db-6b8f is not the update revision my-awesome-db-7c9d; ' +
        '1 of 2 replicas available',
    );
    fake.apply('statefulsets', {
      ...fake.get('statefulsets', 'my-awesome-db', 'shop'),
      status: {
        observedGeneration: 5,
        replicas: 2,
        updatedReplicas: 2,
        readyReplicas: 2,
        availableReplicas: 2,
        currentRevision: 'my-awesome-db-7c9d',
        updateRevision: 'my-awesome-db-7c9d',
      },
    });
    expect(
      await run({
        namespace: 'shop',
        name: 'my-awesome-db',
        kind: 'StatefulSet',
      }),
    ).toMatchObject({ replicas: 2, availableReplicas: 2 });
  });

  it('names a workload that does not exist', async () => {
    await expect(
      run({ namespace: 'shop', name: 'nope', timeoutSeconds: 1 }),
    ).rejects.toThrow(
      'reading Deployment shop/nope: 404 NotFound: deployments "nope" not found',
    );
  });

  it('bounds its input: DNS-1123 names, timeout at most an hour', () => {
    const problems = (input: Record<string, unknown>) => {
      const parsed = action.schema.input.safeParse(input);
      return parsed.success
        ? undefined
        : parsed.error.issues.map(i => `${i.path.join('.')}: ${i.message}`);
    };
    expect(problems({ namespace: 'shop', name: '../secrets' })).toEqual([
      expect.stringMatching(
        /^name: "\.\.\/secrets" is not a valid Kubernetes object name/,
      ),
    ]);
    expect(
      problems({ namespace: 'shop', name: 'app', timeoutSeconds: 3601 }),
    ).toEqual(['timeoutSeconds: Number must be less than or equal to 3600']);
    expect(
      problems({ namespace: 'shop', name: 'app', kind: 'DaemonSet' }),
    ).toEqual([
      "kind: Invalid enum value. Expected 'Deployment' | 'StatefulSet', received 'DaemonSet'",
    ]);
  });
});
