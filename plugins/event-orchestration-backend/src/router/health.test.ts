import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { Knex } from 'knex';
import request from 'supertest';
import { eventOrchestrationPlugin } from '../plugin';
import { SharedMeasurement } from './routes/health';
import { createTestDatabases } from '../__testUtils__/testDatabases';

jest.setTimeout(120_000);

const TOKEN = 'health-test-token';
const HEALTH = '/api/event-orchestration/health';

describe('GET /health', () => {
  const databases = createTestDatabases();

  /** A backend whose callers without a token are nobody, as in production. */
  async function startBackend(knex: Knex) {
    return startTestBackend({
      features: [
        eventOrchestrationPlugin,
        catalogServiceMock.factory({ entities: [] }),
        mockServices.database.factory({ knex }),
        mockServices.httpAuth.factory({
          defaultCredentials: mockCredentials.none(),
        }),
        mockServices.rootConfig.factory({
          data: {
            eventOrchestration: {
              sources: {
                webhooks: [
                  {
                    name: 'ci',
                    type: 'generic',
                    eventType: 'ci.image.pushed',
                    subjectPath: 'image',
                    auth: { bearerToken: TOKEN },
                  },
                ],
              },
            },
          },
        }),
      ],
    });
  }

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    it('tells callers without a valid token that it is alive, and nothing else', async () => {
      const knex = await databases.init(databaseId);
      const backend = await startBackend(knex);
      try {
        // Something a stranger should not learn: an event waiting to be linked.
        const accepted = await request(backend.server)
          .post('/api/event-orchestration/webhooks/ci')
          .set('Authorization', `Bearer ${TOKEN}`)
          .send({ image: 'unknown-app', tag: 'v1' });
        expect(accepted.status).toBe(202);

        for (const authorization of [undefined, 'Bearer not-a-valid-token']) {
          const call = request(backend.server).get(HEALTH);
          if (authorization) call.set('Authorization', authorization);
          const res = await call;
          expect({ authorization, status: res.status, body: res.body }).toEqual(
            { authorization, status: 200, body: { status: 'ok' } },
          );
          expect(res.text).not.toContain('sensor-engine');
        }

        for (const authorization of [
          mockCredentials.user.header(),
          mockCredentials.service.header(),
        ]) {
          const res = await request(backend.server)
            .get(HEALTH)
            .set('Authorization', authorization);
          expect(res.status).toBe(200);
          expect(res.body).toMatchObject({
            status: 'ok',
            bus: {
              type: 'embedded',
              connected: true,
              consumers: [expect.objectContaining({ name: 'sensor-engine' })],
            },
            sensors: { loaded: 0, failed: 0 },
            linking: expect.any(Object),
            replica: { sensorEngine: true, runs: true },
            checkedAt: expect.any(String),
          });
        }
      } finally {
        await backend.stop();
      }
    });

    it('measures the details once for 50 concurrent callers', async () => {
      const knex = await databases.init(databaseId);
      const backend = await startBackend(knex);
      const measured = { linking: 0, bus: 0 };
      const count = (query: { sql: string }) => {
        if (/edo_event_link_retries.*group by/i.test(query.sql))
          measured.linking += 1;
        if (query.sql.includes("status = 'dead'")) measured.bus += 1;
      };
      knex.on('query', count);
      try {
        const responses = await Promise.all(
          Array.from({ length: 50 }, () =>
            request(backend.server)
              .get(HEALTH)
              .set('Authorization', mockCredentials.user.header()),
          ),
        );
        expect(responses.map(r => r.status)).toEqual(Array(50).fill(200));
        expect(new Set(responses.map(r => r.body.checkedAt)).size).toBe(1);
        // One consumer (sensor-engine): one bus aggregate per measurement.
        expect(responses[0].body.bus.consumers).toHaveLength(1);
        expect(measured).toEqual({ linking: 1, bus: 1 });
      } finally {
        knex.off('query', count);
        await backend.stop();
      }
    });
  });

  it('answers 503 when the database does not answer', async () => {
    const knex = await databases.init('SQLITE_3');
    const backend = await startBackend(knex);
    try {
      expect((await request(backend.server).get(HEALTH)).status).toBe(200);
      await knex.destroy();
      const res = await request(backend.server).get(HEALTH);
      expect(res.status).toBe(503);
      expect(res.body.error.message).toBe('The database does not answer');
    } finally {
      await backend.stop().catch(() => {});
    }
  });
});

describe('SharedMeasurement', () => {
  it('shares a running measurement, reuses it for its max age, and measures again after', async () => {
    let now = 1_000;
    let measurements = 0;
    let finish: (n: number) => void = () => {};
    const shared = new SharedMeasurement(
      () => {
        measurements += 1;
        return new Promise<number>(resolve => {
          finish = resolve;
        });
      },
      5_000,
      () => now,
    );
    const first = shared.get();
    const second = shared.get();
    finish(1);
    expect([await first, await second, measurements]).toEqual([1, 1, 1]);
    now += 4_999;
    expect([await shared.get(), measurements]).toEqual([1, 1]);
    now += 1;
    const third = shared.get();
    finish(2);
    expect([await third, measurements]).toEqual([2, 2]);
  });

  it('does not keep a failed measurement', async () => {
    let calls = 0;
    const shared = new SharedMeasurement(async () => {
      calls += 1;
      if (calls === 1) throw new Error('database gone');
      return 'ok';
    }, 5_000);
    await expect(shared.get()).rejects.toThrow('database gone');
    await expect(shared.get()).resolves.toBe('ok');
  });
});
