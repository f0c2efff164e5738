import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import request from 'supertest';
import { eventOrchestrationPlugin } from './plugin';

jest.setTimeout(60_000);

/** A draft sensor whose one dependency filters `data.text` with `filter`. */
function draft(filter: Record<string, unknown>, expr?: string) {
  return {
    name: 'draft',
    dependencies: [
      {
        name: 'text',
        eventType: 'chat.message',
        filters: {
          data: [{ path: 'text', ...filter }],
          ...(expr ? { expr } : {}),
        },
      },
    ],
    workflow: {
      steps: [{ id: 'say', action: 'log', input: { message: 'hi' } }],
    },
  };
}

/**
 * POST /sensors/test runs patterns and expressions that the caller wrote, on
 * the backend, against text the caller chose: the one place where anyone
 * signed in could hand the backend a pattern. It needs a permission, checks
 * drafts as the loader checks files, and matches in linear time.
 */
describe('POST /sensors/test with hostile drafts', () => {
  let backend: Awaited<ReturnType<typeof startTestBackend>>;
  beforeAll(async () => {
    backend = await startTestBackend({
      features: [
        eventOrchestrationPlugin,
        catalogServiceMock.factory({ entities: [] }),
        mockServices.rootConfig.factory({
          data: {
            eventOrchestration: { sensorEngine: { enabled: false } },
          },
        }),
      ],
    });
  });
  afterAll(() => backend.stop());
  const dryRun = (body: object) =>
    request(backend.server)
      .post('/api/event-orchestration/sensors/test')
      .send(body);

  it('answers ^(a+)+$ against 34 a and a b at once, and the backend stays responsive', async () => {
    // With JavaScript's RegExp this request held the event loop for tens of seconds.
    const hostile = `${'a'.repeat(34)}b`;
    const [answer, health] = await Promise.all([
      dryRun({
        sensor: draft(
          { regex: '^(a+)+$' },
          'event.data.text.matches("^(a|aa)+$")',
        ),
        events: [{ type: 'chat.message', data: { text: hostile } }],
      }),
      request(backend.server).get('/api/event-orchestration/health'),
    ]);
    expect(answer.status).toBe(200);
    expect(answer.body.results).toEqual([
      {
        eventId: 'dry-run-1',
        matched: false,
        status: 'not-matched',
        reason: `dependency 'text': data.text was \`${hostile}\`, expected it to match /^(a+)+$/`,
      },
    ]);
    expect(health.status).toBe(200);
  });

  it('refuses a pattern whose RE2 program is too large, and nested comprehensions over other lists', async () => {
    // Each of these passed validation and held the event loop for 35 s / 6.5 s.
    const repeats = await dryRun({
      sensor: draft({ regex: `${'a{0,1000}'.repeat(110)}$` }),
      events: [
        { type: 'chat.message', data: { text: `${'a'.repeat(1500)}b` } },
      ],
    });
    expect(repeats.status).toBe(400);
    expect(repeats.body.error.message).toMatch(
      /dependencies\[0\]\.filters\.data\[0\]\.regex: invalid regular expression: RE2 cannot run it here: its counted repeats add up to 110000, at most 2000/,
    );
    let nested = 'true';
    for (let i = 8; i > 0; i--)
      nested = `[0,1,2,3,4,5,6,7,8,9].all(v${i}, ${nested})`;
    const comprehensions = await dryRun({
      sensor: draft({ exists: true }, nested),
      events: [{ type: 'chat.message', data: { text: 'x' } }],
    });
    expect(comprehensions.status).toBe(400);
    expect(comprehensions.body.error.message).toMatch(
      /dependencies\[0\]\.filters\.expr: invalid CEL: all\(\) inside another comprehension/,
    );
  });

  it('refuses a pattern RE2 cannot run, naming the filter', async () => {
    const answer = await dryRun({
      sensor: draft({ regex: '^(a)\\1$' }),
      events: [{ type: 'chat.message', data: { text: 'aa' } }],
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toMatch(
      /^Invalid sensor: dependencies\[0\]\.filters\.data\[0\]\.regex: invalid regular expression: RE2 cannot run it/,
    );
  });

  it('checks a draft as the loader checks a file: CEL, paths and templates', async () => {
    const cel = await dryRun({
      sensor: draft({ exists: true }, 'event.data.a =='),
      events: [{ type: 'chat.message', data: { text: 'x' } }],
    });
    expect(cel.status).toBe(400);
    expect(cel.body.error.message).toMatch(
      /^Invalid sensor: dependencies\[0\]\.filters\.expr: invalid CEL: /,
    );
    const badPath = await dryRun({
      sensor: draft({ path: 'labels[app', exists: true }),
      events: [{ type: 'chat.message', data: { text: 'x' } }],
    });
    expect(badPath.status).toBe(400);
    expect(badPath.body.error.message).toMatch(
      /^Invalid sensor: dependencies\[0\]\.filters\.data\[0\]\.path: /,
    );
    const badTemplate = await dryRun({
      sensor: {
        ...draft({ exists: true }),
        workflow: {
          steps: [
            {
              id: 'say',
              action: 'log',
              input: { message: '${{ event.data. }}' },
            },
          ],
        },
      },
      events: [{ type: 'chat.message', data: { text: 'x' } }],
    });
    expect(badTemplate.status).toBe(400);
    expect(badTemplate.body.error.message).toMatch(
      /^Invalid sensor: workflow\.steps\[0\]\.input\.message: invalid expression/,
    );
  });
});

describe('POST /sensors/test without the permission', () => {
  it('answers 403 naming event-orchestration.sensor.test and evaluates nothing', async () => {
    const backend = await startTestBackend({
      features: [
        eventOrchestrationPlugin,
        catalogServiceMock.factory({ entities: [] }),
        mockServices.permissions.mock({
          authorize: async requests =>
            requests.map(() => ({ result: AuthorizeResult.DENY })),
        }).factory,
      ],
    });
    try {
      const answer = await request(backend.server)
        .post('/api/event-orchestration/sensors/test')
        .send({
          sensor: draft({ regex: '^(a+)+$' }),
          events: [{ type: 'chat.message', data: { text: 'aaaa' } }],
        });
      expect(answer.status).toBe(403);
      expect(answer.body.error.message).toBe(
        'Not allowed to dry-run sensors (permission event-orchestration.sensor.test)',
      );
    } finally {
      await backend.stop();
    }
  });
});
