import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import request from 'supertest';
import { eventOrchestrationPlugin } from './plugin';
import { waitFor } from './__testUtils__/waitFor';

jest.setTimeout(60_000);

const TOKEN = 'data-schema-token';
const base = '/api/event-orchestration';

/**
 * Issue 18: a sensor declares what the event fields it uses must look like;
 * an event that does not fit is a rejected verdict naming the field, not a run.
 */
describe('a dependency with a dataSchema', () => {
  let backend: Awaited<ReturnType<typeof startTestBackend>>;

  beforeAll(async () => {
    backend = await startTestBackend({
      features: [
        eventOrchestrationPlugin,
        catalogServiceMock.factory({ entities: [] }),
        mockServices.rootConfig.factory({
          data: {
            eventOrchestration: {
              sources: {
                webhooks: [
                  {
                    name: 'ci',
                    type: 'generic',
                    eventType: 'ci.image.pushed',
                    auth: { bearerToken: TOKEN },
                  },
                ],
              },
              sensors: [
                {
                  name: 'deploy',
                  dependencies: [
                    {
                      name: 'image',
                      eventType: 'ci.image.pushed',
                      dataSchema: {
                        type: 'object',
                        required: ['app', 'tag'],
                        properties: {
                          app: {
                            type: 'string',
                            pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
                          },
                          tag: { type: 'string', maxLength: 128 },
                          replicas: {
                            type: 'integer',
                            minimum: 1,
                            maximum: 10,
                          },
                        },
                      },
                    },
                  ],
                  workflow: {
                    steps: [
                      {
                        id: 'say',
                        action: 'log',
                        input: { message: 'deploy ${{ event.data.app }}' },
                      },
                    ],
                  },
                },
              ],
            },
          },
        }),
      ],
    });
  });

  afterAll(() => backend.stop());

  async function send(data: object) {
    const posted = await request(backend.server)
      .post(`${base}/webhooks/ci`)
      .set('authorization', `Bearer ${TOKEN}`)
      .send(data);
    expect(posted.status).toBe(202);
    const id = posted.body.eventIds[0];
    return waitFor(async () => {
      const { body } = await request(backend.server).get(
        `${base}/events/${id}`,
      );
      return body.evaluations?.length ? body : undefined;
    }, 'the verdict');
  }

  it.each([
    [{ tag: 'v1' }, 'data.app is missing'],
    [{ app: '../etc', tag: 'v1' }, 'data.app must match pattern'],
    [
      { app: 'shop', tag: 'v1', replicas: '3\nkind: Secret' },
      'data.replicas must be integer',
    ],
  ])('rejects %j with the reason and starts no run', async (data, why) => {
    const stored = await send(data);
    expect(stored.evaluations[0]).toMatchObject({
      sensor: 'deploy',
      matched: false,
      reason: expect.stringContaining(
        `dependency 'image' rejected: data does not fit the dependency's dataSchema: ${why}`,
      ),
    });
    expect(stored.runs).toEqual([]);
  });

  it('runs on data that fits', async () => {
    const stored = await send({ app: 'shop', tag: 'v2', replicas: 3 });
    expect(stored.evaluations[0].matched).toBe(true);
    await waitFor(async () => {
      const { body } = await request(backend.server).get(
        `${base}/events/${stored.event.id}`,
      );
      return body.runs?.length === 1 ? true : undefined;
    }, 'the run');
  });

  it('refuses a sensor whose dataSchema is not one it can check, naming the field', async () => {
    const answer = await request(backend.server)
      .post(`${base}/sensors/test`)
      .send({
        sensor: {
          name: 'draft',
          dependencies: [
            {
              name: 'image',
              eventType: 'ci.image.pushed',
              dataSchema: { properties: { app: { pattern: '(a)\\1' } } },
            },
          ],
          workflow: { steps: [{ id: 'l', action: 'log', input: {} }] },
        },
        events: [
          {
            specversion: '1.0',
            id: 'x',
            source: '/webhooks/ci',
            type: 'ci.image.pushed',
            time: new Date().toISOString(),
            data: { app: 'shop' },
          },
        ],
      });
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toContain('dataSchema');
  });
});
