import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { HostDiscovery } from '@backstage/backend-defaults/discovery';
import { startHangingServer } from '../../__testUtils__/hangingServer';
import { startSingleSlotRunEngine } from '../../__testUtils__/singleSlotRunEngine';
import { createTestDatabases } from '../../__testUtils__/testDatabases';
import { waitFor } from '../../__testUtils__/waitFor';
import { createCatalogRegisterAction } from './catalogRegisterAction';

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'catalog:register against a catalog that never answers, on %s',
  databaseId => {
    let catalog: Awaited<ReturnType<typeof startHangingServer>>;
    let engine: Awaited<ReturnType<typeof startSingleSlotRunEngine>>;

    beforeEach(async () => {
      catalog = await startHangingServer();
      // The backend finds the catalog through discovery, as in a deployment
      // where the catalog runs elsewhere.
      const discovery = HostDiscovery.fromConfig(
        new ConfigReader({
          backend: { baseUrl: 'http://127.0.0.1:7007' },
          discovery: {
            endpoints: [
              {
                target: `${catalog.url}/api/{{pluginId}}`,
                plugins: ['catalog'],
              },
            ],
          },
        }),
      );
      engine = await startSingleSlotRunEngine(
        await databases.init(databaseId),
        [createCatalogRegisterAction({ discovery, auth: mockServices.auth() })],
      );
    });
    afterEach(async () => {
      await engine?.stop();
      await catalog.close();
    });

    it('fails a step with timeout 1s, closes the connection to the catalog and frees the run slot', async () => {
      const run = await engine.run([
        {
          id: 'register',
          action: 'catalog:register',
          input: {
            target:
              'https://github.com/acme/fresh-app/blob/main/catalog-info.yaml',
          },
          timeout: '1s',
        },
      ]);
      expect(run.status).toBe('failed');
      expect(run.steps[0].error).toBe(
        "step 'register' timed out after 1000 ms",
      );
      expect(catalog.hung).toEqual(['POST /api/catalog/locations?dryRun=true']);
      await waitFor(
        async () => (catalog.abandoned() === 1 ? true : undefined),
        'the action to close its connection to the catalog',
      );
      expect(await engine.followingRunSucceeds()).toBe(true);
    });
  },
);
