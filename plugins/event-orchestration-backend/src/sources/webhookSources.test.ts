import { createHmac } from 'node:crypto';
import { ConfigReader } from '@backstage/config';
import { JsonObject } from '@backstage/types';
import { WebhookSources, readWebhookSources } from './webhookSources';

const GITHUB_SECRET = 'gh-secret';
const CI_SECRET = 'ci-secret';

function sources() {
  return new WebhookSources(
    readWebhookSources(
      new ConfigReader({
        eventOrchestration: {
          sources: {
            webhooks: [
              {
                name: 'ci',
                type: 'generic',
                eventType: 'ci.image.pushed',
                subjectPath: 'image',
                idPath: 'build.id',
                auth: { bearerToken: 't0ken' },
              },
              {
                name: 'ci-signed',
                type: 'generic',
                eventType: 'ci.image.pushed',
                subjectPath: 'image',
                auth: { hmac: { secret: CI_SECRET, header: 'X-Signature' } },
              },
              {
                name: 'github',
                type: 'github',
                auth: { hmac: { secret: GITHUB_SECRET } },
              },
              {
                name: 'small',
                type: 'generic',
                eventType: 'x.y',
                maxBodyBytes: 10,
                auth: { bearerToken: 't' },
              },
            ],
          },
        },
      }),
    ),
  );
}

const sign = (secret: string, body: string) =>
  createHmac('sha256', secret).update(body).digest('hex');
const errorOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message };
  }
  return undefined;
};

describe('generic webhook source', () => {
  const body = JSON.stringify({
    image: 'my-awesome-app',
    tag: 'v1.2.3',
    build: { id: 4711 },
  });

  it('makes one event of the configured type with subject and id from the body', () => {
    const [event] = sources().toEvents({
      sourceName: 'ci',
      headers: { authorization: 'Bearer t0ken' },
      body,
    });
    expect(event).toMatchObject({
      id: 'ci-4711',
      type: 'ci.image.pushed',
      subject: 'my-awesome-app',
      source: '/webhooks/ci',
      data: { image: 'my-awesome-app', tag: 'v1.2.3', build: { id: 4711 } },
    });
  });

  it('derives the id from the body when no idPath is set, so identical re-sends are duplicates', () => {
    const headers = { 'x-signature': `sha256=${sign(CI_SECRET, body)}` };
    const first = sources().toEvents({
      sourceName: 'ci-signed',
      headers,
      body,
    });
    const again = sources().toEvents({
      sourceName: 'ci-signed',
      headers: { 'x-signature': sign(CI_SECRET, body) },
      body,
    });
    expect(first[0].id).toMatch(/^ci-signed-[0-9a-f]{40}$/);
    expect(again[0].id).toBe(first[0].id);
  });

  it('rejects wrong signatures and tokens, missing ids and oversize bodies with the reason', () => {
    expect(
      errorOf(() =>
        sources().toEvents({
          sourceName: 'ci-signed',
          headers: { 'x-signature': sign('wrong', body) },
          body,
        }),
      ),
    ).toEqual({
      name: 'AuthenticationError',
      message:
        "Invalid signature in x-signature for webhook source 'ci-signed'",
    });
    expect(
      errorOf(() =>
        sources().toEvents({ sourceName: 'ci-signed', headers: {}, body }),
      ),
    ).toEqual({
      name: 'AuthenticationError',
      message:
        "Missing signature header x-signature for webhook source 'ci-signed'",
    });
    expect(
      errorOf(() =>
        sources().toEvents({
          sourceName: 'ci',
          headers: { authorization: 'Bearer t0ken' },
          body: '{"image":"x"}',
        }),
      ),
    ).toEqual({
      name: 'InputError',
      message: "idPath 'build.id' is missing in the body",
    });
    expect(
      errorOf(() =>
        sources().toEvents({
          sourceName: 'small',
          headers: { authorization: 'Bearer t' },
          body: '{"a":"0123456789"}',
        }),
      ),
    ).toEqual({
      name: 'PayloadTooLargeError',
      message:
        "Request body exceeds 10 bytes, the limit of webhook source 'small'",
    });
  });
});

describe('batched generic webhook source (itemsPath)', () => {
  const batched = (itemsPath: string, extra: JsonObject = {}) =>
    new WebhookSources(
      readWebhookSources(
        new ConfigReader({
          eventOrchestration: {
            sources: {
              webhooks: [
                {
                  name: 'ci',
                  type: 'generic',
                  eventType: 'ci.image.pushed',
                  subjectPath: 'image',
                  itemsPath,
                  auth: { bearerToken: 't' },
                  ...extra,
                },
              ],
            },
          },
        }),
      ),
    );
  const send = (source: WebhookSources, body: unknown) =>
    source.toEvents({
      sourceName: 'ci',
      headers: { authorization: 'Bearer t' },
      body: JSON.stringify(body),
    });
  const images = [
    { image: 'my-awesome-app', tag: 'v1.2.3' },
    { image: 'payments', tag: 'v7' },
    { image: 'my-awesome-app', tag: 'v1.2.3' },
  ];

  it('makes one event per item of a top-level array, subject and id read in each item', () => {
    const events = send(batched('$'), images);
    expect(events.map(e => [e.subject, e.data])).toEqual(
      images.map(item => [item.image, item]),
    );
    expect(events[0].id).toMatch(/^ci-[0-9a-f]{40}$/);
    expect(events[1].id).not.toBe(events[0].id);
    // Identical items, and the same batch sent again, get the same ids: the bus drops the copies.
    expect(events[2].id).toBe(events[0].id);
    expect(send(batched('$'), images).map(e => e.id)).toEqual(
      events.map(e => e.id),
    );
  });

  it('reads the items at a path and ids from idPath in each item', () => {
    const source = new WebhookSources(
      readWebhookSources(
        new ConfigReader({
          eventOrchestration: {
            sources: {
              webhooks: [
                {
                  name: 'ci',
                  type: 'generic',
                  eventType: 'ci.image.pushed',
                  itemsPath: 'records',
                  idPath: 'build.id',
                  auth: { bearerToken: 't' },
                },
              ],
            },
          },
        }),
      ),
    );
    const events = send(source, {
      records: [{ build: { id: 1 } }, { build: { id: 'b-2' } }],
    });
    expect(events.map(e => e.id)).toEqual(['ci-1', 'ci-b-2']);
    expect(
      errorOf(() =>
        send(source, { records: [{ build: { id: 1 } }, { build: {} }] }),
      ),
    ).toEqual({
      name: 'InputError',
      message: "idPath 'build.id' is missing in item 1",
    });
  });

  it('refuses bodies without the array, items without a subject, and more items than maxItems', () => {
    expect(errorOf(() => send(batched('$'), { image: 'x' }))).toEqual({
      name: 'InputError',
      message:
        "Webhook source 'ci' takes a JSON array of items (itemsPath '$')",
    });
    expect(errorOf(() => send(batched('records'), { image: 'x' }))).toEqual({
      name: 'InputError',
      message: "itemsPath 'records' is missing in the body",
    });
    expect(
      errorOf(() => send(batched('records'), { records: { image: 'x' } })),
    ).toEqual({
      name: 'InputError',
      message: "itemsPath 'records' must be an array",
    });
    expect(
      errorOf(() =>
        send(batched('$'), [{ image: 'x' }, { image: 3.5 }, { tag: 'v1' }]),
      ),
    ).toEqual({
      name: 'InputError',
      message: "subjectPath 'image' is missing in item 2",
    });
    expect(errorOf(() => send(batched('$', { maxItems: 2 }), images))).toEqual({
      name: 'PayloadTooLargeError',
      message:
        "The body carries 3 items; webhook source 'ci' accepts at most 2 per request",
    });
    expect(send(batched('$'), [])).toEqual([]);
  });

  it('refuses maxItems without itemsPath, and bad values, at start-up', () => {
    const read = (webhook: JsonObject) => () =>
      readWebhookSources(
        new ConfigReader({
          eventOrchestration: { sources: { webhooks: [webhook] } },
        }),
      );
    const base = {
      name: 'ci',
      type: 'generic',
      eventType: 'x.y',
      auth: { bearerToken: 't' },
    };
    expect(read({ ...base, maxItems: 10 })).toThrow(
      'eventOrchestration.sources.webhooks[0].maxItems needs itemsPath: only a batched source carries items',
    );
    expect(read({ ...base, itemsPath: '$', maxItems: 0 })).toThrow(
      'eventOrchestration.sources.webhooks[0].maxItems must be a whole number ≥ 1',
    );
    expect(read({ ...base, itemsPath: 'records[0' })).toThrow(
      "eventOrchestration.sources.webhooks[0].itemsPath: unclosed '[' in path 'records[0'",
    );
  });
});

describe('signed timestamps (replay window)', () => {
  const SECRET = 'stamp-secret';
  const stamped = new WebhookSources(
    readWebhookSources(
      new ConfigReader({
        eventOrchestration: {
          sources: {
            webhooks: [
              {
                name: 'ci',
                type: 'generic',
                eventType: 'ci.image.pushed',
                auth: {
                  hmac: {
                    secret: SECRET,
                    header: 'X-Signature',
                    timestampHeader: 'X-Timestamp',
                    toleranceSeconds: 300,
                  },
                },
              },
            ],
          },
        },
      }),
    ),
  );
  const body = JSON.stringify({ image: 'my-awesome-app', tag: 'v1.2.3' });
  const send = (stamp: string | undefined, signedStamp = stamp) =>
    errorOf(() =>
      stamped.toEvents({
        sourceName: 'ci',
        headers: {
          'x-signature': `sha256=${sign(SECRET, `${signedStamp}.${body}`)}`,
          ...(stamp !== undefined ? { 'x-timestamp': stamp } : {}),
        },
        body,
      }),
    );
  const now = Math.floor(Date.now() / 1000);

  it('accepts a fresh signed timestamp and refuses old, future, missing or re-stamped ones', () => {
    expect(send(String(now))).toBeUndefined();
    expect(send(String(now - 3600))).toEqual({
      name: 'AuthenticationError',
      message:
        "Timestamp in x-timestamp is outside the replay window of 300 s for webhook source 'ci'",
    });
    expect(send(String(now + 3600))?.message).toMatch(
      /outside the replay window/,
    );
    expect(send(undefined)?.message).toBe(
      "Missing or malformed timestamp header x-timestamp for webhook source 'ci'",
    );
    // A captured old request with a new timestamp: the signature no longer fits.
    expect(send(String(now), String(now - 3600))?.message).toBe(
      "Invalid signature in x-signature for webhook source 'ci'",
    );
  });
});

describe('github webhook source', () => {
  const push = JSON.stringify({
    ref: 'refs/heads/main',
    after: '9f2c1e0',
    repository: { full_name: 'acme/my-awesome-app', default_branch: 'main' },
    pusher: { name: 'octocat' },
  });
  const headers = (overrides: Record<string, string> = {}) => ({
    'x-github-event': 'push',
    'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    'x-hub-signature-256': `sha256=${sign(GITHUB_SECRET, push)}`,
    ...overrides,
  });

  it('verifies X-Hub-Signature-256 and names the event after X-GitHub-Event', () => {
    const [event] = sources().toEvents({
      sourceName: 'github',
      headers: headers(),
      body: push,
    });
    expect(event).toMatchObject({
      id: expect.stringMatching(/^github-[0-9a-f]{40}$/),
      githubdelivery: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      type: 'github.push',
      subject: 'acme/my-awesome-app',
      data: { ref: 'refs/heads/main' },
    });
  });

  it('answers 401 for a bad signature and 400 for missing GitHub headers', () => {
    expect(
      errorOf(() =>
        sources().toEvents({
          sourceName: 'github',
          headers: headers({ 'x-hub-signature-256': 'sha256=00' }),
          body: push,
        }),
      ),
    ).toEqual({
      name: 'AuthenticationError',
      message:
        "Invalid signature in x-hub-signature-256 for webhook source 'github'",
    });
    const { 'x-github-event': _, ...noEvent } = headers();
    expect(
      errorOf(() =>
        sources().toEvents({
          sourceName: 'github',
          headers: noEvent,
          body: push,
        }),
      ),
    ).toEqual({
      name: 'InputError',
      message: 'Missing or invalid X-GitHub-Event header',
    });
  });
});

describe('webhook source configuration', () => {
  const read = (webhook: JsonObject) => () =>
    readWebhookSources(
      new ConfigReader({
        eventOrchestration: { sources: { webhooks: [webhook] } },
      }),
    );

  it('refuses sources without authentication, GitHub without a secret, and unknown types', () => {
    expect(read({ name: 'a', type: 'generic', eventType: 'x.y' })).toThrow(
      'eventOrchestration.sources.webhooks[0].auth needs bearerToken or hmac: webhook sources never accept unauthenticated senders',
    );
    expect(
      read({ name: 'g', type: 'github', auth: { bearerToken: 'x' } }),
    ).toThrow(
      'eventOrchestration.sources.webhooks[0].auth.hmac.secret is required: GitHub signs its deliveries',
    );
    expect(
      read({ name: 'k', type: 'kafka', auth: { bearerToken: 'x' } }),
    ).toThrow(
      "eventOrchestration.sources.webhooks[0].type 'kafka' is not supported; supported types: alertmanager, generic, github, slack",
    );
    expect(
      read({
        name: 'c',
        type: 'generic',
        eventType: 'Image Pushed',
        auth: { bearerToken: 'x' },
      }),
    ).toThrow(
      "eventOrchestration.sources.webhooks[0].eventType 'Image Pushed' must be dotted lower-case, like ci.image.pushed",
    );
  });
});
