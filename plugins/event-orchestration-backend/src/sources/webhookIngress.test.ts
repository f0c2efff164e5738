import { createHmac } from 'node:crypto';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { Knex } from 'knex';
import request from 'supertest';
import { Run, StoredEvent } from '@edo/plugin-event-orchestration-common';
import { eventOrchestrationPlugin } from '../plugin';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { waitFor } from '../__testUtils__/waitFor';

jest.setTimeout(60_000);

const CI_SECRET = 'ci-hmac-secret';
const GITHUB_SECRET = 'github-webhook-secret';
const databases = createTestDatabases();

type Backend = Awaited<ReturnType<typeof startTestBackend>>;

function startBackend(knex: Knex): Promise<Backend> {
  return startTestBackend({
    features: [
      eventOrchestrationPlugin,
      catalogServiceMock.factory({ entities: [] }),
      mockServices.database.factory({ knex }),
      mockServices.rootConfig.factory({
        data: {
          eventOrchestration: {
            sources: {
              webhooks: [
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
              ],
            },
            sensors: [
              {
                name: 'log-push',
                dependencies: [{ name: 'push', eventType: 'github.push' }],
                workflow: {
                  steps: [
                    {
                      id: 'say',
                      action: 'log',
                      input: { message: 'pushed ${{ event.data.after }}' },
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
}

const hmacHex = (secret: string, bytes: Buffer | string) =>
  createHmac('sha256', secret).update(bytes).digest('hex');

/** What a decode-then-re-encode pipeline (body read as text) would have signed. */
const reencoded = (bytes: Buffer) =>
  Buffer.from(new TextDecoder('utf-8').decode(bytes), 'utf8');

describe.each(databases.eachSupportedId())('webhook ingress on %s', id => {
  let backend: Backend;
  let knex: Knex;
  beforeEach(async () => {
    knex = await databases.init(id);
    backend = await startBackend(knex);
  });
  afterEach(async () => {
    await backend.stop();
  });

  const post = (
    source: string,
    bytes: Buffer,
    headers: Record<string, string>,
  ) =>
    request(backend.server)
      .post(`/api/event-orchestration/webhooks/${source}`)
      .set({ 'Content-Type': 'application/json', ...headers })
      // As sent, byte for byte: supertest would JSON-encode a Buffer.
      .serialize(body => body)
      .send(bytes);

  it('checks the HMAC over the exact bytes sent, not over the body decoded and encoded again', async () => {
    // A BOM, an escaped and a raw é, CRLF line breaks: all survive a round trip
    // through text differently from the bytes the sender signed.
    const bytes = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(
        '{\r\n  "image": "caf\\u00e9",\r\n  "tag": "caf\u00e9-v1"\r\n}\r\n',
        'utf8',
      ),
    ]);
    expect(reencoded(bytes).equals(bytes)).toBe(false);

    const overText = await post('ci-signed', bytes, {
      'X-Signature': `sha256=${hmacHex(CI_SECRET, reencoded(bytes))}`,
    });
    expect(overText.status).toBe(401);
    expect(overText.body.error.message).toBe(
      "Invalid signature in x-signature for webhook source 'ci-signed'",
    );

    const overBytes = await post('ci-signed', bytes, {
      'X-Signature': `sha256=${hmacHex(CI_SECRET, bytes)}`,
    });
    expect(overBytes.status).toBe(202);
    const [eventId] = overBytes.body.eventIds;
    const stored: StoredEvent = await waitFor(async () => {
      const { body, status } = await request(backend.server).get(
        `/api/event-orchestration/events/${encodeURIComponent(eventId)}`,
      );
      return status === 200 ? body : undefined;
    }, 'the signed event to be stored');
    expect(stored.event).toMatchObject({
      type: 'ci.image.pushed',
      subject: 'caf\u00e9',
      data: { image: 'caf\u00e9', tag: 'caf\u00e9-v1' },
    });
  });

  it('refuses a body that is not UTF-8 after its signature verified, and a signature over its repaired text', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"image":"my-awesome-app","tag":"v', 'utf8'),
      Buffer.from([0xff]),
      Buffer.from('"}', 'utf8'),
    ]);
    const overBytes = await post('ci-signed', bytes, {
      'X-Signature': hmacHex(CI_SECRET, bytes),
    });
    expect(overBytes.status).toBe(400);
    expect(overBytes.body.error.message).toBe(
      'Request body is not valid UTF-8 (JSON must be UTF-8, RFC 8259)',
    );
    // The text a lenient decoder makes of it (U+FFFD for the bad byte) was never signed.
    const overRepaired = await post('ci-signed', bytes, {
      'X-Signature': hmacHex(CI_SECRET, reencoded(bytes)),
    });
    expect(overRepaired.status).toBe(401);
    expect(await knex('edo_events')).toHaveLength(0);
  });

  describe('GitHub deliveries', () => {
    const push = Buffer.from(
      JSON.stringify({
        ref: 'refs/heads/main',
        before: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
        after: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c',
        repository: {
          full_name: 'acme/my-awesome-app',
          default_branch: 'main',
        },
        pusher: { name: 'octocat', email: 'octocat@github.com' },
        commits: [],
      }),
      'utf8',
    );
    const deliver = (delivery: string, event = 'push', bytes: Buffer = push) =>
      post('github', bytes, {
        'X-GitHub-Event': event,
        'X-GitHub-Delivery': delivery,
        'X-Hub-Signature-256': `sha256=${hmacHex(GITHUB_SECRET, bytes)}`,
      });
    const runsOfPush = async () => {
      const { body } = await request(backend.server).get(
        '/api/event-orchestration/runs',
      );
      return (body.items as Run[]).filter(r => r.sensor === 'log-push');
    };

    it('treats a captured delivery replayed under a fresh delivery id as a duplicate: one event, one run', async () => {
      const first = await deliver('72d3162e-cc78-11e3-81ab-4c9367dc0958');
      expect(first.status).toBe(202);
      const [eventId] = first.body.eventIds;
      const run = await waitFor(async () => {
        const [only] = await runsOfPush();
        return only?.status === 'succeeded' ? only : undefined;
      }, 'the run of the push');
      expect(run.triggerEventIds).toEqual([eventId]);

      const replayed = await deliver('0b7e52e4-4a1c-11ef-9d8a-2f6d1c3f0a11');
      expect(replayed.status).toBe(202);
      expect(replayed.body.eventIds).toEqual([eventId]);

      // Time for the embedded bus (polls every 500 ms) to deliver anything new.
      await new Promise(r => setTimeout(r, 1_500));
      expect(
        await knex('edo_events')
          .where({ source: '/webhooks/github' })
          .select('id'),
      ).toEqual([{ id: eventId }]);
      expect((await runsOfPush()).map(r => r.id)).toEqual([run.id]);
      const stored: StoredEvent = (
        await request(backend.server).get(
          `/api/event-orchestration/events/${encodeURIComponent(eventId)}`,
        )
      ).body;
      // The first delivery id stays on the event, outside its identity.
      expect(stored.event).toMatchObject({
        type: 'github.push',
        subject: 'acme/my-awesome-app',
        githubdelivery: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      });
    });

    it('does not let X-GitHub-Event, which is not signed, re-label a signed body', async () => {
      const accepted = await deliver('72d3162e-cc78-11e3-81ab-4c9367dc0958');
      const [eventId] = accepted.body.eventIds;

      // A push body claimed to be a release: refused, nothing stored for it.
      const relabelled = await deliver(
        '5e0b4c1a-4a1d-11ef-8d7e-0b3a5f2e6c22',
        'release',
      );
      expect(relabelled.status).toBe(400);
      expect(relabelled.body.error.message).toBe(
        "X-GitHub-Event 'release' does not fit the signed body: a release delivery carries 'release'",
      );
      // An event name whose payload we do not know still names the same delivery.
      const unknownName = await deliver(
        '7f3a9d20-4a1d-11ef-9a44-5b8e2c7d1f33',
        'watch',
      );
      expect(unknownName.status).toBe(202);
      expect(unknownName.body.eventIds).toEqual([eventId]);

      await new Promise(r => setTimeout(r, 1_500));
      expect(
        await knex('edo_events')
          .where({ source: '/webhooks/github' })
          .select('id', 'type'),
      ).toEqual([{ id: eventId, type: 'github.push' }]);
      expect(await runsOfPush()).toHaveLength(1);
    });
  });
});
