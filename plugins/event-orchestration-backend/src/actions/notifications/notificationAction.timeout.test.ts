import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { HostDiscovery } from '@backstage/backend-defaults/discovery';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { EntityResolver } from '../../catalog';
import { startHangingServer } from '../../__testUtils__/hangingServer';
import { startSingleSlotRunEngine } from '../../__testUtils__/singleSlotRunEngine';
import { createTestDatabases } from '../../__testUtils__/testDatabases';
import { waitFor } from '../../__testUtils__/waitFor';
import { createNotificationAction } from './notificationAction';

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'notification:send against a notifications backend that never answers, on %s',
  databaseId => {
    let notifications: Awaited<ReturnType<typeof startHangingServer>>;
    let engine: Awaited<ReturnType<typeof startSingleSlotRunEngine>>;

    beforeEach(async () => {
      notifications = await startHangingServer();
      const discovery = HostDiscovery.fromConfig(
        new ConfigReader({
          backend: { baseUrl: 'http://127.0.0.1:7007' },
          discovery: {
            endpoints: [
              {
                target: `${notifications.url}/api/{{pluginId}}`,
                plugins: ['notifications'],
              },
            ],
          },
        }),
      );
      const auth = mockServices.auth();
      engine = await startSingleSlotRunEngine(
        await databases.init(databaseId),
        [
          createNotificationAction(
            { discovery, auth },
            new EntityResolver(
              catalogServiceMock({ entities: [] }),
              auth,
              mockServices.logger.mock(),
            ),
          ),
        ],
      );
    });
    afterEach(async () => {
      await engine?.stop();
      await notifications.close();
    });

    it('fails a step with timeout 1s, closes the connection to the notifications backend and frees the run slot', async () => {
      const run = await engine.run([
        {
          id: 'tell',
          action: 'notification:send',
          input: {
            recipients: { entityRefs: ['group:default/platform-team'] },
            title: 'Auto-sync of my-awesome-app failed',
          },
          timeout: '1s',
        },
      ]);
      expect(run.status).toBe('failed');
      expect(run.steps[0].error).toBe("step 'tell' timed out after 1000 ms");
      expect(notifications.hung).toEqual(['POST /api/notifications']);
      await waitFor(
        async () => (notifications.abandoned() === 1 ? true : undefined),
        'the action to close its connection to the notifications backend',
      );
      expect(await engine.followingRunSucceeds()).toBe(true);
    });
  },
);
