import { mockServices } from '@backstage/backend-test-utils';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { WorkflowStep } from '@edo/plugin-event-orchestration-common';
import { ActionRegistry } from '../ActionRegistry';
import { EntityResolver } from '../../catalog';
import { RunEngine } from '../../runs';
import { OrchestrationDatabase, RunRecord } from '../../store';
import { createTestDatabases } from '../../__testUtils__/testDatabases';
import { waitFor } from '../../__testUtils__/waitFor';
import { createChatReplyAction } from './chatReplyAction';
import {
  makeSlackCertificate,
  startSlackStandIn,
  toLoopback,
  trustCertificate,
} from './__testUtils__/slackStandIn';

jest.setTimeout(60_000);

const databases = createTestDatabases();
const logger = mockServices.logger.mock();
const certificate = makeSlackCertificate();

describe.each(databases.eachSupportedId())(
  'chat:reply in the run engine, after a chatops.command, on %s',
  databaseId => {
    let slack: Awaited<ReturnType<typeof startSlackStandIn>>;
    let store: OrchestrationDatabase;
    let engine: RunEngine;
    let runs = 0;

    beforeAll(() => trustCertificate(certificate.cert));
    afterAll(() => jest.restoreAllMocks());
    beforeEach(async () => {
      slack = await startSlackStandIn(certificate, () => ({
        status: 200,
        body: 'ok',
      }));
      const knex = await databases.init(databaseId);
      await knex.migrate.latest({
        directory: resolvePackagePath(
          '@edo/plugin-event-orchestration-backend',
          'migrations',
        ),
      });
      store = OrchestrationDatabase.create({ knex });
      const actions = new ActionRegistry();
      actions.register(
        createChatReplyAction({
          allowedCidrs: ['127.0.0.1/32'],
          resolve: toLoopback,
        }),
      );
      engine = new RunEngine(
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
    });
    afterEach(async () => {
      await engine.stop();
      await slack.close();
    });

    /** Records a slash command with this response_url and runs `steps` for it. */
    async function runAfterCommand(
      responseUrl: string,
      steps: WorkflowStep[],
    ): Promise<RunRecord> {
      runs++;
      const eventId = `evt-command-${runs}`;
      await store.events.recordEvent({
        event: {
          specversion: '1.0',
          id: eventId,
          source: 'slack',
          type: 'chatops.command',
          time: '2026-12-02T12:00:00.000Z',
          data: {
            command: '/deploy-fix',
            text: 'rollback payments',
            args: ['rollback', 'payments'],
            channel: { id: 'C0123456789', name: 'ops' },
            user: { id: 'U0123ABCD', name: 'alice' },
            teamId: 'T0001',
            responseUrl,
          },
        },
        entityRefs: [],
      });
      const { run } = await engine.startRun({
        sensor: {
          name: `chatops-${runs}`,
          dependencies: [
            {
              name: 'command',
              eventType: 'chatops.command',
              filters: { data: [] },
              filtersLogicalOperator: 'and',
            },
          ],
          cancelOnResolve: false,
          workflow: { steps, onFailure: [] },
        },
        triggerEventIds: [eventId],
        entityRefs: [],
      });
      return waitFor(async () => {
        const current = await store.runs.getRun({ id: run.id });
        return current && ['succeeded', 'failed'].includes(current.status)
          ? current
          : undefined;
      }, `run ${run.id} to finish`);
    }

    it("answers in the command's channel through its response_url, with the rendered text", async () => {
      const run = await runAfterCommand(
        `https://hooks.slack.com:${slack.port}/commands/T0001/42/secret-part`,
        [
          {
            id: 'reply',
            action: 'chat:reply',
            input: {
              text: '${{ event.data.command }} ${{ event.data.text }}: started for ${{ event.data.user.name }}',
            },
          },
        ],
      );
      expect(run.status).toBe('succeeded');
      expect(run.steps[0].output).toEqual({ via: 'response_url' });
      expect(slack.received.map(r => r.path)).toEqual([
        '/commands/T0001/42/secret-part',
      ]);
      expect(JSON.parse(slack.received[0].body)).toEqual({
        text: '/deploy-fix rollback payments: started for alice',
        response_type: 'in_channel',
      });
      // The path of a response URL is a credential: the step's log names the origin only.
      expect(run.steps[0].logs).toEqual([
        expect.stringMatching(
          new RegExp(
            ` info posting to the response URL on https://hooks\\.slack\\.com:${slack.port}$`,
          ),
        ),
      ]);
      expect(JSON.stringify(run.steps[0])).not.toContain('secret-part');
    });

    it('fails on the first attempt for a forged response_url, although the step allows retries, and reaches nothing', async () => {
      const run = await runAfterCommand(
        `https://collector.evil.example:${slack.port}/steal`,
        [
          {
            id: 'reply',
            action: 'chat:reply',
            input: { text: 'hello' },
            retry: { attempts: 3, backoff: '10ms', factor: 1 },
          },
        ],
      );
      expect(run.status).toBe('failed');
      expect(run.steps[0]).toMatchObject({
        status: 'failed',
        attempts: 1,
        error:
          'chat:reply refused collector.evil.example: not in eventOrchestration.chat.allowedHosts',
      });
      expect(slack.connections()).toBe(0);
    });
  },
);
