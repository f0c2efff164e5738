import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { deadLetterRedrivePermission } from '@edo/plugin-event-orchestration-common';
import { OrchestrationEvent } from '@edo/plugin-event-orchestration-common';
import { Knex } from 'knex';
import request from 'supertest';
import { EmbeddedEventBus } from '../bus';
import { eventOrchestrationPlugin } from '../plugin';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { waitFor } from '../__testUtils__/waitFor';

jest.setTimeout(60_000);

const databases = createTestDatabases();

const event: OrchestrationEvent = {
  specversion: '1.0',
  id: 'ci-image-pushed-42',
  source: '/ci',
  type: 'ci.image.pushed',
  subject: 'my-awesome-app',
  time: '2026-12-01T09:00:00.000Z',
  data: { image: 'my-awesome-app', tag: 'v1.2.3' },
};

/**
 * A subscriber of the same database as the plugin's bus: it fails while
 * `failing` is set, so its one allowed delivery dead-letters the event.
 */
async function failingSubscriber(knex: Knex) {
  const bus = new EmbeddedEventBus(knex, mockServices.logger.mock(), {
    pollIntervalMs: 50,
    maxDeliver: 1,
  });
  const state = { failing: true, attempts: [] as number[] };
  const subscription = await bus.subscribe(
    'image-promoter',
    async (_e, { attempt }) => {
      state.attempts.push(attempt);
      // The error carries a credential, as a client's error may: the API must not show it.
      if (state.failing)
        throw new Error(
          'registry unreachable at https://robot:s3cr3t-pa55@registry.example.com/v2/',
        );
    },
    { eventTypes: ['ci.image.pushed'] },
  );
  return { bus, state, close: () => subscription.close() };
}

async function startBackend(knex: Knex, deny = false) {
  const backend = await startTestBackend({
    features: [
      eventOrchestrationPlugin,
      catalogServiceMock.factory({ entities: [] }),
      mockServices.database.factory({ knex }),
      ...(deny
        ? [
            mockServices.permissions.mock({
              authorize: async requests =>
                requests.map(r =>
                  'permission' in r &&
                  r.permission.name === deadLetterRedrivePermission.name
                    ? { result: AuthorizeResult.DENY }
                    : { result: AuthorizeResult.ALLOW },
                ),
            }).factory,
          ]
        : []),
    ],
  });
  return backend;
}

describe.each(databases.eachSupportedId())(
  'dead letters over the API on %s',
  databaseId => {
    it('lists a dead letter, re-drives it once to its subscriber with the actor recorded, and 404s after', async () => {
      const knex = await databases.init(databaseId);
      const backend = await startBackend(knex);
      const subscriber = await failingSubscriber(knex);
      try {
        await subscriber.bus.publish(event);
        const listed = await waitFor(async () => {
          const res = await request(backend.server).get(
            '/api/event-orchestration/dead-letters',
          );
          return res.body.items?.length === 1 ? res.body.items : undefined;
        }, 'the dead letter');
        expect(listed).toEqual([
          {
            subscriber: 'image-promoter',
            eventId: 'ci-image-pushed-42',
            eventType: 'ci.image.pushed',
            subject: 'my-awesome-app',
            attempts: 1,
            lastError:
              'Error: registry unreachable at https://***@registry.example.com/v2/',
            deadLetteredAt: expect.any(String),
          },
        ]);
        const health = await request(backend.server).get(
          '/api/event-orchestration/health',
        );
        expect(health.body.bus.consumers).toContainEqual(
          expect.objectContaining({ name: 'image-promoter', deadLettered: 1 }),
        );

        subscriber.state.failing = false;
        const redrive = await request(backend.server)
          .post(
            '/api/event-orchestration/dead-letters/image-promoter/ci-image-pushed-42/redrive',
          )
          .send({ comment: 'registry is back' });
        expect(redrive.status).toBe(200);
        expect(redrive.body).toEqual({
          subscriber: 'image-promoter',
          eventId: 'ci-image-pushed-42',
          eventType: 'ci.image.pushed',
          actor: 'user:default/mock',
          at: expect.any(String),
          comment: 'registry is back',
        });
        await waitFor(
          async () =>
            subscriber.state.attempts.length === 2 ? true : undefined,
          'the re-driven delivery',
        );
        expect(subscriber.state.attempts).toEqual([1, 1]);
        expect(
          (
            await request(backend.server).get(
              '/api/event-orchestration/dead-letters',
            )
          ).body,
        ).toEqual({
          items: [],
        });
        const audit = await request(backend.server).get(
          '/api/event-orchestration/dead-letters/redrives?subscriber=image-promoter',
        );
        expect(audit.body.items).toEqual([redrive.body]);

        const again = await request(backend.server).post(
          '/api/event-orchestration/dead-letters/image-promoter/ci-image-pushed-42/redrive',
        );
        expect(again.status).toBe(404);
        expect(again.body.error.message).toBe(
          "No dead letter of event 'ci-image-pushed-42' for subscriber 'image-promoter'",
        );
        expect(
          (
            await request(backend.server).get(
              '/api/event-orchestration/dead-letters/redrives',
            )
          ).body.items,
        ).toHaveLength(1);
      } finally {
        await subscriber.close();
        await backend.stop();
      }
    });

    it('refuses a re-drive without the permission with 403 and leaves the dead letter', async () => {
      const knex = await databases.init(databaseId);
      const backend = await startBackend(knex, true);
      const subscriber = await failingSubscriber(knex);
      try {
        await subscriber.bus.publish(event);
        await waitFor(async () => {
          const res = await request(backend.server).get(
            '/api/event-orchestration/dead-letters',
          );
          return res.body.items?.length === 1 ? true : undefined;
        }, 'the dead letter');
        subscriber.state.failing = false;
        const denied = await request(backend.server).post(
          '/api/event-orchestration/dead-letters/image-promoter/ci-image-pushed-42/redrive',
        );
        expect(denied.status).toBe(403);
        expect(denied.body.error.message).toBe(
          'Not allowed to re-drive dead letters (permission event-orchestration.deadletter.redrive)',
        );
        await new Promise(r => setTimeout(r, 300));
        expect(subscriber.state.attempts).toEqual([1]);
        expect(
          (
            await request(backend.server).get(
              '/api/event-orchestration/dead-letters',
            )
          ).body.items,
        ).toHaveLength(1);
        expect(
          (
            await request(backend.server).get(
              '/api/event-orchestration/dead-letters/redrives',
            )
          ).body.items,
        ).toEqual([]);
        const badQuery = await request(backend.server).get(
          '/api/event-orchestration/dead-letters?sort=asc',
        );
        expect(badQuery.status).toBe(400);
      } finally {
        await subscriber.close();
        await backend.stop();
      }
    });
  },
);
