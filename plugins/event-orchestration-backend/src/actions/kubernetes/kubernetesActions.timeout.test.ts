import { OrchestrationAction } from '@edo/plugin-event-orchestration-node';
import {
  FakeKubernetes,
  startFakeKubernetes,
} from '../../__testUtils__/fakeKubernetes';
import { startHangingServer } from '../../__testUtils__/hangingServer';
import { startSingleSlotRunEngine } from '../../__testUtils__/singleSlotRunEngine';
import { createTestDatabases } from '../../__testUtils__/testDatabases';
import { waitFor } from '../../__testUtils__/waitFor';
import { createKubernetesActions } from './kubernetesActions';

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'Kubernetes actions against an API server that never answers, on %s',
  databaseId => {
    let fake: FakeKubernetes;
    let hanging: Awaited<ReturnType<typeof startHangingServer>>;
    let engine: Awaited<ReturnType<typeof startSingleSlotRunEngine>>;

    const start = async (hang: (r: { method: string }) => boolean) => {
      hanging = await startHangingServer({ forwardTo: fake.url, hang });
      const actions: OrchestrationAction[] = createKubernetesActions([
        {
          name: 'prod',
          url: hanging.url,
          serviceAccountToken: 'sa-token',
          skipTLSVerify: true,
        },
      ]);
      engine = await startSingleSlotRunEngine(
        await databases.init(databaseId),
        actions,
      );
    };

    beforeEach(async () => {
      fake = await startFakeKubernetes();
      fake.apply('deployments', {
        metadata: { name: 'my-awesome-app', namespace: 'shop' },
        spec: { replicas: 3 },
      });
    });
    afterEach(async () => {
      await engine?.stop();
      await hanging?.close();
      await fake.close();
    });

    it('kubernetes:scale with timeout 1s fails when its patch is never answered, closes that connection and frees the run slot', async () => {
      await start(r => r.method === 'PATCH');
      const run = await engine.run([
        {
          id: 'scale',
          action: 'kubernetes:scale',
          input: { namespace: 'shop', name: 'my-awesome-app', replicas: 5 },
          timeout: '1s',
        },
      ]);
      expect(run.status).toBe('failed');
      expect(run.steps[0].error).toBe("step 'scale' timed out after 1000 ms");
      expect(hanging.hung).toEqual([
        expect.stringMatching(
          /^PATCH \/apis\/apps\/v1\/namespaces\/shop\/deployments\/my-awesome-app/,
        ),
      ]);
      await waitFor(
        async () => (hanging.abandoned() === 1 ? true : undefined),
        'the action to close the connection of its patch',
      );
      expect(await engine.followingRunSucceeds()).toBe(true);
    });

    it('kubernetes:apply with timeout 1s fails when API discovery is never answered, closes that connection and frees the run slot', async () => {
      await start(() => true);
      const run = await engine.run([
        {
          id: 'apply',
          action: 'kubernetes:apply',
          input: {
            manifests: {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              metadata: { name: 'settings', namespace: 'shop' },
              data: { mode: 'safe' },
            },
          },
          timeout: '1s',
        },
      ]);
      expect(run.status).toBe('failed');
      expect(run.steps[0].error).toBe("step 'apply' timed out after 1000 ms");
      expect(hanging.hung).toEqual(['GET /api/v1']);
      await waitFor(
        async () => (hanging.abandoned() === 1 ? true : undefined),
        'the action to close the connection of its discovery request',
      );
      expect(await engine.followingRunSucceeds()).toBe(true);
    });
  },
);
