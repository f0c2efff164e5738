import { createHmac } from 'node:crypto';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { connect } from '@nats-io/transport-node';
import request from 'supertest';
import { JsonObject } from '@backstage/types';
import {
  EventDetails,
  StoredEvent,
} from '@edo/plugin-event-orchestration-common';
import { eventOrchestrationPlugin } from './plugin';
import { alertmanagerPayload } from './__testUtils__/alertmanager';
import { startNatsServer } from './__testUtils__/natsServer';
import { createTestDatabases } from './__testUtils__/testDatabases';
import { waitFor } from './__testUtils__/waitFor';

// Issue 18, finding 1: every stored event carries an origin the server set;
// source types own their event types; the portal publishes only portal.* and
// what the operator lists; a sensor accepts a type from its owner unless its
// dependency names `sources:`.

jest.setTimeout(60_000);

const databases = createTestDatabases();
const GITHUB_SECRET = 'github-webhook-secret';
/** startTestBackend's default caller. */
const USER = 'user:default/mock';

type Backend = Awaited<ReturnType<typeof startTestBackend>>;

const logStep = [{ id: 'say', action: 'log', input: { message: 'fired' } }];
const sensor = (name: string, eventType: string, sources?: string[]) => ({
  name,
  dependencies: [{ name: 'dep', eventType, ...(sources ? { sources } : {}) }],
  workflow: { steps: logStep },
});

const webhooks = [
  { name: 'prod-am', type: 'alertmanager', auth: { bearerToken: 'prod' } },
  { name: 'staging-am', type: 'alertmanager', auth: { bearerToken: 'stg' } },
  { name: 'gh', type: 'github', auth: { hmac: { secret: GITHUB_SECRET } } },
  {
    name: 'ci',
    type: 'generic',
    eventType: 'ci.image.pushed',
    subjectPath: 'image',
    auth: { bearerToken: 'ci' },
  },
];

function start(
  knex: unknown,
  extra: { publishableTypes?: string[]; sensors?: unknown[] },
): Promise<Backend> {
  return startTestBackend({
    features: [
      eventOrchestrationPlugin,
      catalogServiceMock.factory({ entities: [] }),
      mockServices.database.factory({ knex: knex as any }),
      mockServices.rootConfig.factory({
        data: {
          eventOrchestration: {
            sources: { webhooks },
            ...(extra.publishableTypes
              ? { portal: { publishableTypes: extra.publishableTypes } }
              : {}),
            sensors: extra.sensors ?? [],
          },
        } as JsonObject,
      }),
    ],
  });
}

const storedEvent = (backend: Backend, id: string) =>
  waitFor(async () => {
    const { status, body } = await request(backend.server).get(
      `/api/event-orchestration/events/${encodeURIComponent(id)}`,
    );
    return status === 200 ? (body as EventDetails) : undefined;
  }, `event ${id} to be stored`);

/** The stored event once every named sensor has a verdict on it. */
const judged = (backend: Backend, id: string, sensors: string[]) =>
  waitFor(async () => {
    const stored = await storedEvent(backend, id);
    return sensors.every(s => stored.evaluations.some(e => e.sensor === s))
      ? stored
      : undefined;
  }, `verdicts of ${sensors.join(', ')} on ${id}`);

const verdictOf = (stored: EventDetails, sensorName: string) => {
  const found = stored.evaluations.find(e => e.sensor === sensorName)!;
  return { status: found.status, reason: found.reason };
};

const runsOf = async (backend: Backend, sensorName: string) =>
  (
    await request(backend.server).get(
      `/api/event-orchestration/runs?sensor=${sensorName}`,
    )
  ).body.items as unknown[];

const postAlert = (backend: Backend, source: string, token: string) =>
  request(backend.server)
    .post(`/api/event-orchestration/webhooks/${source}`)
    .set('Authorization', `Bearer ${token}`)
    .send({
      ...alertmanagerPayload([
        {
          labels: { alertname: 'HighCPU', app: 'shop' },
          fingerprint: `${source}-fp`,
        },
      ]),
      // A sender's attempt at an envelope attribute: it stays in the body.
      origin: { kind: 'portal', actor: 'user:default/mallory' },
    });

describe.each(databases.eachSupportedId())('event provenance on %s', id => {
  describe('with the default portal types', () => {
    let backend: Backend;
    beforeAll(async () => {
      backend = await start(await databases.init(id), {
        sensors: [sensor('scale', 'alertmanager.alert')],
      });
    });
    afterAll(() => backend?.stop());

    it('refuses a portal user posting alertmanager.alert or an unlisted ci.image.pushed with 403 naming the owner, and stores nothing', async () => {
      const forged = await request(backend.server)
        .post('/api/event-orchestration/events')
        .send({
          type: 'alertmanager.alert',
          subject: 'shop',
          data: { status: 'firing', labels: { alertname: 'HighCPU' } },
        });
      expect(forged.status).toBe(403);
      expect(forged.body.error).toEqual({
        name: 'NotAllowedError',
        message:
          "Event type 'alertmanager.alert' may not be published from the portal: it belongs to Alertmanager webhooks; the portal publishes portal.* and the types eventOrchestration.portal.publishableTypes lists",
      });
      const image = await request(backend.server)
        .post('/api/event-orchestration/events')
        .send({ type: 'ci.image.pushed', data: { image: 'shop', tag: 'v9' } });
      expect(image.status).toBe(403);
      expect(image.body.error.message).toBe(
        "Event type 'ci.image.pushed' may not be published from the portal: it belongs to generic webhook 'ci'; the portal publishes portal.* and the types eventOrchestration.portal.publishableTypes lists",
      );
      const orchestration = await request(backend.server)
        .post('/api/event-orchestration/events')
        .send({ type: 'orchestration.run.finished', data: {} });
      expect(orchestration.status).toBe(403);

      // A portal.* event is published, so anything stored would show by now.
      const allowed = await request(backend.server)
        .post('/api/event-orchestration/events')
        .send({ type: 'portal.remediation.requested', data: {} });
      expect(allowed.status).toBe(201);
      await storedEvent(backend, allowed.body.id);
      const { body } = await request(backend.server).get(
        '/api/event-orchestration/events',
      );
      expect(body.items.map((e: StoredEvent) => e.event.type)).toEqual([
        'portal.remediation.requested',
      ]);
      expect(await runsOf(backend, 'scale')).toEqual([]);
    });

    it('stamps a portal event with the portal and the user; an origin in the body is refused, not taken', async () => {
      const withOrigin = await request(backend.server)
        .post('/api/event-orchestration/events')
        .send({
          type: 'portal.remediation.requested',
          origin: { kind: 'webhook', sourceType: 'alertmanager' },
          data: {},
        });
      expect(withOrigin.status).toBe(400);
      expect(withOrigin.body.error.message).toBe(
        "Invalid request body: body: Unrecognized key(s) in object: 'origin'",
      );

      const published = await request(backend.server)
        .post('/api/event-orchestration/events')
        .send({
          type: 'portal.remediation.requested',
          data: { origin: { kind: 'webhook', sourceType: 'alertmanager' } },
        });
      expect(published.status).toBe(201);
      const stored = await storedEvent(backend, published.body.id);
      // With the user's ownership refs as sign-in resolved them (the mock
      // user's own ref).
      expect(stored.event.origin).toEqual({
        kind: 'portal',
        actor: USER,
        ownership: [USER],
        // The entities its permissions were checked for: none named.
        entityScope: [],
      });
      expect(stored.event.actor).toBe(USER);
    });

    it('stamps each webhook source’s origin over whatever the body carried', async () => {
      const alert = await postAlert(backend, 'prod-am', 'prod');
      expect(alert.status).toBe(202);
      const am = await storedEvent(backend, alert.body.eventIds[0]);
      expect(am.event.origin).toEqual({
        kind: 'webhook',
        source: 'prod-am',
        sourceType: 'alertmanager',
      });

      const ci = await request(backend.server)
        .post('/api/event-orchestration/webhooks/ci')
        .set('Authorization', 'Bearer ci')
        .send({
          image: 'shop',
          tag: 'v1.2.3',
          origin: { kind: 'portal', actor: 'user:default/mallory' },
        });
      expect(ci.status).toBe(202);
      const image = await storedEvent(backend, ci.body.eventIds[0]);
      expect(image.event.origin).toEqual({
        kind: 'webhook',
        source: 'ci',
        sourceType: 'generic',
      });
      // The sender's field is data, as sent, and nothing more.
      expect((image.event.data as any).origin).toEqual({
        kind: 'portal',
        actor: 'user:default/mallory',
      });

      const body = JSON.stringify({
        ref: 'refs/heads/main',
        after: 'abc123',
        pusher: { name: 'octocat' },
        repository: { full_name: 'acme/shop' },
        origin: { kind: 'portal' },
      });
      const push = await request(backend.server)
        .post('/api/event-orchestration/webhooks/gh')
        .set({
          'Content-Type': 'application/json',
          'X-GitHub-Event': 'push',
          'X-GitHub-Delivery': 'd-1',
          'X-Hub-Signature-256': `sha256=${createHmac('sha256', GITHUB_SECRET)
            .update(body)
            .digest('hex')}`,
        })
        .send(body);
      expect(push.status).toBe(202);
      const github = await storedEvent(backend, push.body.eventIds[0]);
      expect(github.event.origin).toEqual({
        kind: 'webhook',
        source: 'gh',
        sourceType: 'github',
      });
    });
  });

  describe('when the operator lists alertmanager.alert and ci.image.pushed as publishable from the portal', () => {
    let backend: Backend;
    beforeAll(async () => {
      backend = await start(await databases.init(id), {
        publishableTypes: ['alertmanager.alert', 'ci.image.pushed'],
        sensors: [
          sensor('scale', 'alertmanager.alert'),
          sensor('deploy', 'ci.image.pushed'),
          sensor('deploy-by-hand', 'ci.image.pushed', ['ci', 'portal']),
          sensor('prod-only', 'alertmanager.alert', ['prod-am']),
        ],
      });
    });
    afterAll(() => backend?.stop());

    it('a sensor on alertmanager.alert does not fire on one from the portal, and its verdict says where it came from', async () => {
      const published = await request(backend.server)
        .post('/api/event-orchestration/events')
        .send({
          type: 'alertmanager.alert',
          subject: 'shop',
          data: { status: 'firing', labels: { alertname: 'HighCPU' } },
        });
      expect(published.status).toBe(201);
      const stored = await judged(backend, published.body.id, [
        'scale',
        'prod-only',
      ]);
      // With the user's ownership refs as sign-in resolved them (the mock
      // user's own ref).
      expect(stored.event.origin).toEqual({
        kind: 'portal',
        actor: USER,
        ownership: [USER],
        // The entities its permissions were checked for: none named.
        entityScope: [],
      });
      expect(verdictOf(stored, 'scale')).toEqual({
        status: 'not-matched',
        reason: `dependency 'dep' rejected: came from portal ${USER}, accepts alertmanager.alert only from Alertmanager webhooks (its owner; sources: widens this)`,
      });
      expect(verdictOf(stored, 'prod-only')).toEqual({
        status: 'not-matched',
        reason: `dependency 'dep' rejected: came from portal ${USER}, accepts prod-am`,
      });
      // The same alert from an Alertmanager webhook fires.
      const alert = await postAlert(backend, 'prod-am', 'prod');
      const fromWebhook = await judged(backend, alert.body.eventIds[0], [
        'scale',
      ]);
      expect(verdictOf(fromWebhook, 'scale').status).toBe('matched');
      expect(await runsOf(backend, 'scale')).toHaveLength(1);
    });

    it('sources: widens a dependency to the portal and narrows one to a named webhook', async () => {
      const image = await request(backend.server)
        .post('/api/event-orchestration/events')
        .send({ type: 'ci.image.pushed', data: { image: 'shop', tag: 'v2' } });
      expect(image.status).toBe(201);
      const byHand = await judged(backend, image.body.id, [
        'deploy',
        'deploy-by-hand',
      ]);
      expect(verdictOf(byHand, 'deploy')).toEqual({
        status: 'not-matched',
        reason: `dependency 'dep' rejected: came from portal ${USER}, accepts ci.image.pushed only from generic webhook 'ci' (its owner; sources: widens this)`,
      });
      expect(verdictOf(byHand, 'deploy-by-hand').status).toBe('matched');

      const ci = await request(backend.server)
        .post('/api/event-orchestration/webhooks/ci')
        .set('Authorization', 'Bearer ci')
        .send({ image: 'shop', tag: 'v3' });
      const fromCi = await judged(backend, ci.body.eventIds[0], [
        'deploy',
        'deploy-by-hand',
      ]);
      expect(verdictOf(fromCi, 'deploy').status).toBe('matched');
      expect(verdictOf(fromCi, 'deploy-by-hand').status).toBe('matched');

      const staging = await postAlert(backend, 'staging-am', 'stg');
      const fromStaging = await judged(backend, staging.body.eventIds[0], [
        'scale',
        'prod-only',
      ]);
      expect(verdictOf(fromStaging, 'scale').status).toBe('matched');
      expect(verdictOf(fromStaging, 'prod-only')).toEqual({
        status: 'not-matched',
        reason:
          "dependency 'dep' rejected: came from alertmanager webhook 'staging-am', accepts prod-am",
      });
    });

    it('a dry run shows the origin check: the stored portal event and a pasted portal origin are rejected, a pasted event without origin is taken as from the owner', async () => {
      const published = await request(backend.server)
        .post('/api/event-orchestration/events')
        .send({ type: 'alertmanager.alert', data: { status: 'firing' } });
      expect(published.status).toBe(201);
      await storedEvent(backend, published.body.id);
      const dryRun = (body: Record<string, unknown>) =>
        request(backend.server)
          .post('/api/event-orchestration/sensors/test')
          .send({ sensorName: 'scale', ...body });
      const stored = await dryRun({ eventId: published.body.id });
      expect(stored.status).toBe(200);
      expect(stored.body.results).toEqual([
        {
          eventId: published.body.id,
          matched: false,
          status: 'not-matched',
          reason: `dependency 'dep' rejected: came from portal ${USER}, accepts alertmanager.alert only from Alertmanager webhooks (its owner; sources: widens this)`,
        },
      ]);
      const pasted = await dryRun({ event: { type: 'alertmanager.alert' } });
      expect(pasted.body.results[0]).toMatchObject({ matched: true });
      const pastedFromPortal = await dryRun({
        event: {
          type: 'alertmanager.alert',
          origin: { kind: 'portal', actor: 'user:default/alice' },
        },
      });
      expect(pastedFromPortal.status).toBe(200);
      expect(pastedFromPortal.body.results[0]).toMatchObject({
        matched: false,
        reason:
          "dependency 'dep' rejected: came from portal user:default/alice, accepts alertmanager.alert only from Alertmanager webhooks (its owner; sources: widens this)",
      });
    });
  });
});

describe('event provenance of a NATS subject source', () => {
  it('stamps the NATS source’s origin; an origin in the message is data, not the origin', async () => {
    const nats = await startNatsServer();
    const backend = await startTestBackend({
      features: [
        eventOrchestrationPlugin,
        catalogServiceMock.factory({ entities: [] }),
        mockServices.rootConfig.factory({
          data: {
            eventOrchestration: {
              bus: { nats: { servers: [nats.url], stream: 'PROVENANCE' } },
              sources: {
                natsSubjects: [
                  {
                    name: 'ci-images',
                    subject: 'ci.images',
                    eventType: 'ci.image.pushed',
                    subjectPath: 'image',
                  },
                ],
              },
              sensors: [sensor('deploy', 'ci.image.pushed')],
            },
          },
        }),
      ],
    });
    try {
      const ci = await connect({ servers: [nats.url] });
      ci.publish(
        'ci.images',
        JSON.stringify({
          image: 'shop',
          tag: 'v1.2.3',
          origin: { kind: 'portal', actor: 'user:default/mallory' },
        }),
      );
      await ci.drain();
      const [stored] = await waitFor(async () => {
        const { body } = await request(backend.server).get(
          '/api/event-orchestration/events?type=ci.image.pushed',
        );
        return body.items?.length ? (body.items as StoredEvent[]) : undefined;
      }, 'the NATS event');
      expect(stored.event.origin).toEqual({
        kind: 'nats',
        source: 'ci-images',
      });
      expect((stored.event.data as any).origin).toEqual({
        kind: 'portal',
        actor: 'user:default/mallory',
      });
      // The NATS source owns its type: the sensor fires on it.
      const judgedEvent = await judged(backend, stored.event.id, ['deploy']);
      expect(verdictOf(judgedEvent, 'deploy').status).toBe('matched');
    } finally {
      await backend.stop();
      await nats.cleanup();
    }
  });
});
