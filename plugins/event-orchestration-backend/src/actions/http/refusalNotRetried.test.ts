import http from 'node:http';
import { AddressInfo } from 'node:net';
import { mockServices } from '@backstage/backend-test-utils';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { ActionRegistry } from '../ActionRegistry';
import { createHttpRequestAction } from './httpRequestAction';
import { EntityResolver } from '../../catalog';
import { OrchestrationDatabase } from '../../store';
import { RunEngine } from '../../runs';
import { createTestDatabases } from '../../__testUtils__/testDatabases';

jest.setTimeout(60_000);

const databases = createTestDatabases();
const logger = mockServices.logger.mock();

describe.each(databases.eachSupportedId())(
  'http:request refusals in the run engine on %s',
  databaseId => {
    it('fail the step on the first attempt although the step allows retries, and reach nothing', async () => {
      const knex = await databases.init(databaseId);
      await knex.migrate.latest({
        directory: resolvePackagePath(
          '@edo/plugin-event-orchestration-backend',
          'migrations',
        ),
      });
      const store = OrchestrationDatabase.create({ knex });
      await store.events.recordEvent({
        event: {
          specversion: '1.0',
          id: 'evt-ssrf',
          source: '/test',
          type: 'ci.image.pushed',
          subject: 'my-awesome-app',
          time: '2026-11-23T08:00:00.000Z',
          data: {},
        },
        entityRefs: [],
      });
      let connections = 0;
      const server = http.createServer((_req, res) => res.end('reached'));
      server.on('connection', () => connections++);
      await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
      const { port } = server.address() as AddressInfo;

      const actions = new ActionRegistry();
      actions.register(createHttpRequestAction());
      const engine = new RunEngine(
        {
          store,
          actions,
          entities: new EntityResolver(
            catalogServiceMock({ entities: [] }),
            mockServices.auth(),
            logger,
          ),
          logger,
        },
        { pollIntervalMs: 50 },
      );
      engine.start();
      try {
        const { run } = await engine.startRun({
          sensor: {
            name: 'ssrf',
            dependencies: [
              {
                name: 'e',
                eventType: 'ci.image.pushed',
                filters: { data: [] },
                filtersLogicalOperator: 'and',
              },
            ],
            cancelOnResolve: false,
            workflow: {
              steps: [
                {
                  id: 'call',
                  action: 'http:request',
                  input: { url: `http://127.0.0.1:${port}/` },
                  retry: { attempts: 3, backoff: '10ms', factor: 1 },
                },
              ],
              onFailure: [],
            },
          },
          triggerEventIds: ['evt-ssrf'],
          entityRefs: [],
        });
        const deadline = Date.now() + 15_000;
        let done = await store.runs.getRun({ id: run.id });
        while (done?.status !== 'failed' && Date.now() < deadline) {
          await new Promise(r => setTimeout(r, 25));
          done = await store.runs.getRun({ id: run.id });
        }
        expect(done?.status).toBe('failed');
        expect(done?.steps[0]).toMatchObject({
          status: 'failed',
          attempts: 1,
          error:
            'http:request refused 127.0.0.1 (loopback address); allow it with eventOrchestration.actions.http.allowedCidrs',
        });
        expect(connections).toBe(0);
      } finally {
        await engine.stop();
        await new Promise(r => server.close(r));
      }
    });
  },
);
