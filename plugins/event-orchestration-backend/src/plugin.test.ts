import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { Entity } from '@backstage/catalog-model';
import request from 'supertest';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { eventOrchestrationPlugin } from './plugin';
import { alertmanagerPayload } from './__testUtils__/alertmanager';
import { startHttpSink } from './__testUtils__/httpSink';
import { createTestDatabases } from './__testUtils__/testDatabases';
import { waitFor } from './__testUtils__/waitFor';

jest.setTimeout(60_000);

const TOKEN = 'test-alertmanager-token';
const ENTITY_REF = 'component:default/my-awesome-app';

const entities: Entity[] = [
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'my-awesome-app',
      namespace: 'default',
      annotations: {
        'backstage.io/kubernetes-id': 'my-awesome-app',
        'argocd/app-name': 'my-awesome-app',
      },
    },
    spec: {
      type: 'service',
      lifecycle: 'production',
      owner: 'group:default/platform-team',
    },
  },
];

const databases = createTestDatabases();

const matchingAlert = {
  labels: {
    alertname: 'ArgoCdAppUnhealthy',
    slo: 'argocd-application-health',
    severity: 'critical',
    app: 'my-awesome-app',
    dest_namespace: 'prod-shop',
  },
  fingerprint: 'a1b2c3d4e5f60718',
};
const warningAlert = {
  labels: {
    alertname: 'ArgoCdAppUnhealthy',
    slo: 'argocd-application-health',
    severity: 'warning',
    app: 'my-awesome-app',
  },
  fingerprint: '0f1e2d3c4b5a6978',
};

describe.each(databases.eachSupportedId())(
  'event-orchestration backend on %s',
  databaseId => {
    let sink: Awaited<ReturnType<typeof startHttpSink>>;
    let server: Awaited<ReturnType<typeof startTestBackend>>['server'];
    let stop: () => Promise<void>;

    beforeAll(async () => {
      sink = await startHttpSink();
      const knex = await databases.init(databaseId);
      const backend = await startTestBackend({
        features: [
          eventOrchestrationPlugin,
          catalogServiceMock.factory({ entities }),
          mockServices.database.factory({ knex }),
          mockServices.rootConfig.factory({
            data: {
              eventOrchestration: {
                // The sink listens on loopback, refused unless allowed.
                actions: {
                  http: { allowedCidrs: ['127.0.0.1/32'] },
                  // This suite starts these by hand.
                  manual: { allowed: ['http:request', 'approval:wait', 'log'] },
                },
                // Every request here is the one mock user, who starts and
                // decides the approvals (plugin.approvals.test.ts has two users).
                approvals: { allowSelfApproval: true },
                sources: {
                  webhooks: [
                    {
                      name: 'alertmanager',
                      type: 'alertmanager',
                      auth: { bearerToken: TOKEN },
                    },
                  ],
                },
                sensors: [
                  {
                    name: 'slo-remediation',
                    description:
                      'Sync an Argo CD application whose health SLO fires',
                    dependencies: [
                      {
                        name: 'unhealthy',
                        eventType: 'alertmanager.alert',
                        filters: {
                          data: [
                            { path: 'status', value: 'firing' },
                            {
                              path: 'labels.slo',
                              value: 'argocd-application-health',
                            },
                            {
                              path: 'labels.severity',
                              in: ['critical', 'page'],
                            },
                          ],
                        },
                      },
                    ],
                    workflow: {
                      steps: [
                        {
                          id: 'sync',
                          action: 'http:request',
                          input: {
                            url: `${sink.url}/api/v1/applications/\${{ event.data.labels.app }}/sync`,
                            method: 'POST',
                            headers: {
                              Authorization: 'Bearer argocd-secret-token',
                            },
                            body: {
                              application: '${{ event.data.labels.app }}',
                              namespace:
                                '${{ event.data.labels.dest_namespace }}',
                              owner: '${{ entity.spec.owner }}',
                            },
                          },
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
      server = backend.server;
      stop = () => backend.stop();
    });

    afterAll(async () => {
      await stop?.();
      await sink?.close();
    });

    const api = () => request(server);
    const countEvents = async () =>
      (
        await api().get(
          '/api/event-orchestration/events?limit=200&type=alertmanager.alert',
        )
      ).body.items.length;
    /**
     * Waits until the sensor engine has acknowledged everything on the bus, as
     * measured after the call (/health reuses its measurement for a few seconds).
     */
    const busDrained = () => {
      const since = Date.now();
      return waitFor(async () => {
        const { body } = await api().get('/api/event-orchestration/health');
        if (Date.parse(body.checkedAt) < since) return undefined;
        const c = body.bus.consumers.find(
          (x: any) => x.name === 'sensor-engine',
        );
        return c && c.pending === 0 && c.ackPending === 0 ? true : undefined;
      }, 'the bus to drain');
    };

    it('turns an alert into a run, records why the other alert did not match, and ignores the re-send', async () => {
      const payload = alertmanagerPayload([matchingAlert, warningAlert]);
      const accepted = await api()
        .post('/api/event-orchestration/webhooks/alertmanager')
        .set('Authorization', `Bearer ${TOKEN}`)
        .send(payload);
      expect(accepted.status).toBe(202);
      expect(accepted.body.eventIds).toHaveLength(2);
      const [matchingId, warningId] = accepted.body.eventIds;

      const run = await waitFor(async () => {
        const { body } = await api().get(
          `/api/event-orchestration/runs?entityRef=${encodeURIComponent(
            ENTITY_REF,
          )}`,
        );
        const first = body.items[0];
        return first && ['succeeded', 'failed'].includes(first.status)
          ? first
          : undefined;
      }, 'the run to finish');

      expect(run).toMatchObject({
        sensor: 'slo-remediation',
        status: 'succeeded',
        triggerEventIds: [matchingId],
        entityRefs: [ENTITY_REF],
        steps: [
          {
            id: 'sync',
            action: 'http:request',
            status: 'succeeded',
            attempts: 1,
            output: { status: 200, body: { ok: true } },
          },
        ],
      });
      // The stored input is rendered, with the credential redacted.
      expect(run.steps[0].input).toEqual({
        url: `${sink.url}/api/v1/applications/my-awesome-app/sync`,
        method: 'POST',
        headers: { Authorization: '***' },
        body: {
          application: 'my-awesome-app',
          namespace: 'prod-shop',
          owner: 'group:default/platform-team',
        },
      });

      expect(sink.received).toHaveLength(1);
      expect(sink.received[0]).toMatchObject({
        method: 'POST',
        path: '/api/v1/applications/my-awesome-app/sync',
      });
      expect(sink.received[0].headers.authorization).toBe(
        'Bearer argocd-secret-token',
      );
      expect(sink.received[0].headers['idempotency-key']).toBe(
        `${run.id}:sync`,
      );
      expect(JSON.parse(sink.received[0].body)).toEqual({
        application: 'my-awesome-app',
        namespace: 'prod-shop',
        owner: 'group:default/platform-team',
      });

      const warning = await api().get(
        `/api/event-orchestration/events/${warningId}`,
      );
      expect(warning.status).toBe(200);
      expect(warning.body.entityRefs).toEqual([ENTITY_REF]);
      expect(warning.body.runs).toEqual([]);
      expect(warning.body.evaluations).toEqual([
        {
          sensor: 'slo-remediation',
          matched: false,
          status: 'not-matched',
          reason:
            "dependency 'unhealthy': data.labels.severity was `warning`, expected one of `critical`, `page`",
          evaluatedAt: expect.any(String),
        },
      ]);

      const matching = await api().get(
        `/api/event-orchestration/events/${matchingId}`,
      );
      expect(matching.body.evaluations).toEqual([
        expect.objectContaining({
          sensor: 'slo-remediation',
          matched: true,
          status: 'matched',
        }),
      ]);
      expect(matching.body.runs.map((r: any) => r.id)).toEqual([run.id]);

      // Alertmanager re-sends the same notification: same ids, nothing new starts.
      const resent = await api()
        .post('/api/event-orchestration/webhooks/alertmanager')
        .set('Authorization', `Bearer ${TOKEN}`)
        .send(payload);
      expect(resent.status).toBe(202);
      expect(resent.body.eventIds).toEqual([matchingId, warningId]);
      await busDrained();
      const runs = await api().get('/api/event-orchestration/runs');
      expect(runs.body.items).toHaveLength(1);
      expect(sink.received).toHaveLength(1);
      expect(await countEvents()).toBe(2);

      const entityEvents = await api().get(
        `/api/event-orchestration/events?type=alertmanager.alert&entityRef=${encodeURIComponent(
          ENTITY_REF,
        )}`,
      );
      expect(
        entityEvents.body.items.map((i: any) => i.event.id).sort(),
      ).toEqual([matchingId, warningId].sort());
      expect(
        entityEvents.body.items.find((i: any) => i.event.id === matchingId)
          .matchedSensors,
      ).toEqual(['slo-remediation']);

      // The finished run announced itself, so sensors can react to runs.
      const finishedEvents = await waitFor(async () => {
        const r = await api().get(
          '/api/event-orchestration/events?type=orchestration.run.finished',
        );
        return r.body.items.length > 0 ? r.body.items : undefined;
      }, 'the run.finished event');
      expect(finishedEvents.map((i: any) => i.event)).toEqual([
        expect.objectContaining({
          type: 'orchestration.run.finished',
          subject: 'slo-remediation',
          entityref: [ENTITY_REF],
          data: expect.objectContaining({
            runId: run.id,
            status: 'succeeded',
            triggerEventIds: [matchingId],
          }),
        }),
      ]);

      const sensors = await api().get('/api/event-orchestration/sensors');
      expect(sensors.body.errors).toEqual([]);
      expect(sensors.body.items[0]).toMatchObject({
        name: 'slo-remediation',
        counters: { evaluated: 2, matched: 1, runsStarted: 1 },
      });

      // The sensor's newest verdicts, each with its event and reason.
      const verdicts = await api().get(
        '/api/event-orchestration/sensors/slo-remediation/verdicts?limit=5',
      );
      expect(verdicts.status).toBe(200);
      expect(verdicts.body.items).toHaveLength(2);
      expect(verdicts.body.items).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            eventId: matchingId,
            eventType: 'alertmanager.alert',
            status: 'matched',
          }),
          expect.objectContaining({
            eventId: warningId,
            status: 'not-matched',
            reason: expect.stringContaining('labels.severity was `warning`'),
          }),
        ]),
      );
      expect(
        (await api().get('/api/event-orchestration/sensors/nope/verdicts'))
          .status,
      ).toBe(404);
      const bad = await api().get(
        '/api/event-orchestration/sensors/slo-remediation/verdicts?limit=0',
      );
      expect(bad.status).toBe(400);
    });

    it('rejects bad webhook requests with the reason and stores nothing', async () => {
      const before = await countEvents();
      const payload = alertmanagerPayload([
        { ...matchingAlert, fingerprint: 'ffffffffffffffff' },
      ]);
      const url = '/api/event-orchestration/webhooks/alertmanager';

      const noToken = await api().post(url).send(payload);
      expect(noToken.status).toBe(401);
      const wrongToken = await api()
        .post(url)
        .set('Authorization', 'Bearer not-the-token')
        .send(payload);
      expect(wrongToken.status).toBe(401);
      expect(wrongToken.body.error.message).toBe(
        "Missing or invalid bearer token for webhook source 'alertmanager'",
      );

      const unknown = await api()
        .post('/api/event-orchestration/webhooks/nope')
        .set('Authorization', `Bearer ${TOKEN}`)
        .send(payload);
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.message).toBe(
        "No webhook source named 'nope' is configured",
      );

      const malformed = await api()
        .post(url)
        .set('Authorization', `Bearer ${TOKEN}`)
        .set('Content-Type', 'application/json')
        .send('{"version": "4", "alerts": [');
      expect(malformed.status).toBe(400);
      expect(malformed.body.error.message).toMatch(
        /^Request body is not valid JSON: /,
      );

      const notAlertmanager = await api()
        .post(url)
        .set('Authorization', `Bearer ${TOKEN}`)
        .send({ version: '4', alerts: [{ status: 'firing', labels: {} }] });
      expect(notAlertmanager.status).toBe(400);
      expect(notAlertmanager.body.error.message).toBe(
        'Request body is not an Alertmanager webhook payload (version 4): alerts[0].startsAt: Required; alerts[0].fingerprint: Required',
      );

      const tooLarge = await api()
        .post(url)
        .set('Authorization', `Bearer ${TOKEN}`)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ ...payload, padding: 'x'.repeat(1024 * 1024) }));
      expect(tooLarge.status).toBe(413);

      await busDrained();
      expect(await countEvents()).toBe(before);
      expect(sink.received).toHaveLength(1);
    });

    it('dry-runs sensors against pasted and stored events without side effects', async () => {
      const runsBefore = (await api().get('/api/event-orchestration/runs')).body
        .items.length;
      const eventsBefore = await countEvents();
      const requestsBefore = sink.received.length;

      const pasted = await api()
        .post('/api/event-orchestration/sensors/test')
        .send({
          sensorName: 'slo-remediation',
          event: {
            type: 'alertmanager.alert',
            subject: 'my-awesome-app',
            time: '2026-11-23T09:00:00Z',
            data: { status: 'firing', labels: { ...matchingAlert.labels } },
          },
        });
      expect(pasted.status).toBe(200);
      expect(pasted.body.results).toEqual([
        {
          eventId: 'dry-run-1',
          matched: true,
          status: 'matched',
          reason: "dependency 'unhealthy' matched (3 filters passed)",
          steps: [
            {
              id: 'sync',
              action: 'http:request',
              input: {
                url: `${sink.url}/api/v1/applications/my-awesome-app/sync`,
                method: 'POST',
                headers: { Authorization: '***' },
                body: {
                  application: 'my-awesome-app',
                  namespace: 'prod-shop',
                  owner: 'group:default/platform-team',
                },
              },
            },
          ],
        },
      ]);

      const stored = await api()
        .get('/api/event-orchestration/events?limit=200')
        .then(r =>
          r.body.items.find(
            (i: any) => i.event.data.labels?.severity === 'warning',
          ),
        );
      const byId = await api()
        .post('/api/event-orchestration/sensors/test')
        .send({ sensorName: 'slo-remediation', eventId: stored.event.id });
      expect(byId.body.results).toEqual([
        {
          eventId: stored.event.id,
          matched: false,
          status: 'not-matched',
          reason:
            "dependency 'unhealthy': data.labels.severity was `warning`, expected one of `critical`, `page`",
        },
      ]);

      const windowed = await api()
        .post('/api/event-orchestration/sensors/test')
        .send({
          sensor: {
            name: 'two-in-a-row',
            dependencies: [{ name: 'any', eventType: 'alertmanager.alert' }],
            aggregate: {
              count: 2,
              within: '5m',
              groupBy: '${{ event.subject }}',
            },
            workflow: {
              steps: [
                {
                  id: 'say',
                  action: 'log',
                  input: { message: '${{ event.subject }}' },
                },
              ],
            },
          },
          events: [
            {
              id: 'a',
              type: 'alertmanager.alert',
              subject: 'shop',
              time: '2026-11-23T09:00:00Z',
            },
            {
              id: 'b',
              type: 'alertmanager.alert',
              subject: 'shop',
              time: '2026-11-23T09:01:00Z',
            },
          ],
        });
      expect(
        windowed.body.results.map((r: any) => [r.eventId, r.status, r.reason]),
      ).toEqual([
        ['a', 'pending', '1 of 2 within 5m for shop'],
        [
          'b',
          'matched',
          "dependency 'any' matched (0 filters passed); 2 of 2 within 5m for shop",
        ],
      ]);
      expect(windowed.body.results[1].steps).toEqual([
        { id: 'say', action: 'log', input: { message: 'shop' } },
      ]);

      const invalid = await api()
        .post('/api/event-orchestration/sensors/test')
        .send({
          sensor: {
            name: 'bad',
            dependencies: [
              {
                name: 'x',
                eventType: 'a',
                filters: { data: [{ path: 'p', in: 'nope' }] },
              },
            ],
            workflow: { steps: [{ id: 's', action: 'log' }] },
          },
          events: [{ type: 'a' }],
        });
      expect(invalid.status).toBe(400);
      expect(invalid.body.error.message).toBe(
        'Invalid sensor: dependencies[0].filters.data[0].in: Expected array, received string',
      );
      const neither = await api()
        .post('/api/event-orchestration/sensors/test')
        .send({ sensorName: 'slo-remediation' });
      expect(neither.status).toBe(400);
      expect(neither.body.error.message).toBe(
        'Invalid request body: body: give exactly one of event, eventId, events',
      );
      const unknown = await api()
        .post('/api/event-orchestration/sensors/test')
        .send({ sensorName: 'nope', event: { type: 'a' } });
      expect(unknown.status).toBe(404);

      await busDrained();
      expect(
        (await api().get('/api/event-orchestration/runs')).body.items,
      ).toHaveLength(runsBefore);
      expect(await countEvents()).toBe(eventsBefore);
      expect(sink.received).toHaveLength(requestsBefore);
    });

    it('publishes events from portal users with the actor recorded, and refuses bad ones', async () => {
      const published = await api()
        .post('/api/event-orchestration/events')
        .send({
          type: 'portal.remediation.requested',
          entityRef: 'Component:default/my-awesome-app',
          data: { action: 'restart', reason: 'stuck rollout' },
        });
      expect(published.status).toBe(201);
      expect(published.body.id).toMatch(/^portal-[0-9a-f-]{36}$/);
      const stored = await waitFor(async () => {
        const r = await api().get(
          `/api/event-orchestration/events/${published.body.id}`,
        );
        return r.status === 200 ? r.body : undefined;
      }, 'the published event to be stored');
      expect(stored.event).toMatchObject({
        type: 'portal.remediation.requested',
        source: '/events',
        actor: 'user:default/mock',
        entityref: ENTITY_REF,
        data: { action: 'restart', reason: 'stuck rollout' },
      });
      expect(stored.entityRefs).toEqual([ENTITY_REF]);

      const bad = await api()
        .post('/api/event-orchestration/events')
        .send({ type: 'Not A Type', data: [] });
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toBe(
        'Invalid request body: type: must be dotted lower-case, like portal.provisioning.requested; data: Expected object, received array',
      );
      const badRef = await api()
        .post('/api/event-orchestration/events')
        .send({ type: 'portal.x.y', entityRef: 'no-kind-here' });
      expect(badRef.status).toBe(400);
      expect(badRef.body.error.message).toMatch(/^entityRef: /);
    });

    it('runs one action by hand, records the actor, and retries or refuses to cancel as the run allows', async () => {
      const url = '/api/event-orchestration/actions/http:request/runs';
      const started = await api()
        .post(url)
        .send({
          input: {
            url: `${sink.url}/manual`,
            method: 'POST',
            body: { why: 'test' },
          },
          idempotencyKey: 'req-1',
        });
      expect(started.status).toBe(201);
      expect(started.body).toMatchObject({
        sensor: 'action:http:request',
        audit: [{ action: 'start', actor: 'user:default/mock' }],
      });
      const again = await api()
        .post(url)
        .send({
          input: {
            url: `${sink.url}/manual`,
            method: 'POST',
            body: { why: 'test' },
          },
          idempotencyKey: 'req-1',
        });
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(started.body.id);

      const finishedRun = (id: string) =>
        waitFor(async () => {
          const r = await api().get(`/api/event-orchestration/runs/${id}`);
          return ['succeeded', 'failed'].includes(r.body.status)
            ? r.body
            : undefined;
        }, 'the manual run to finish');
      expect((await finishedRun(started.body.id)).status).toBe('succeeded');
      expect(sink.received.filter(r => r.path === '/manual')).toHaveLength(1);

      const cancelDone = await api()
        .post(`/api/event-orchestration/runs/${started.body.id}/cancel`)
        .send({});
      expect(cancelDone.status).toBe(409);
      expect(cancelDone.body.error.message).toBe(
        `Run ${started.body.id} is succeeded; only pending or running runs can be cancelled`,
      );

      sink.answerNext(500);
      const failing = await api()
        .post(url)
        .send({ input: { url: `${sink.url}/manual-fail`, retries: 0 } });
      expect((await finishedRun(failing.body.id)).status).toBe('failed');
      const retried = await api()
        .post(`/api/event-orchestration/runs/${failing.body.id}/retry`)
        .send({ comment: 'the sink is back' });
      expect(retried.status).toBe(200);
      const afterRetry = await finishedRun(failing.body.id);
      expect(afterRetry.status).toBe('succeeded');
      expect(
        afterRetry.audit.map((a: any) => [a.action, a.actor, a.comment]),
      ).toEqual([
        ['start', 'user:default/mock', undefined],
        ['retry', 'user:default/mock', 'the sink is back'],
      ]);

      const badInput = await api()
        .post(url)
        .send({ input: { url: 'ftp://x' } });
      expect(badInput.status).toBe(400);
      expect(badInput.body.error.message).toBe(
        "Input does not fit action 'http:request': url: must be an http(s) URL",
      );
      const unknown = await api()
        .post('/api/event-orchestration/actions/nope/runs')
        .send({ input: {} });
      expect(unknown.status).toBe(404);
      const actionsList = await api().get('/api/event-orchestration/actions');
      expect(actionsList.body.items.map((a: any) => a.id)).toEqual([
        'approval:wait',
        'argo-workflows:submit',
        'argocd:get-status',
        'argocd:sync',
        'catalog:register',
        'chat:reply',
        'event:publish',
        'gitops:commit-files',
        'gitops:revert',
        'gitops:set-image',
        'gitops:set-replicas',
        'http:request',
        'kubernetes:apply',
        'kubernetes:create-namespace',
        'kubernetes:patch',
        'kubernetes:rollout-restart',
        'kubernetes:rollout-status',
        'kubernetes:scale',
        'log',
        'notification:send',
        'prometheus:query',
      ]);
      const http = actionsList.body.items.find(
        (a: any) => a.id === 'http:request',
      );
      expect(http.schema.input.required).toEqual(['url']);
    });

    it('pauses a run at approval:wait until a user approves or rejects it', async () => {
      const runOf = async (id: string) =>
        (await api().get(`/api/event-orchestration/runs/${id}`)).body;
      const start = async (prompt: string) =>
        (
          await api()
            .post('/api/event-orchestration/actions/approval:wait/runs')
            .send({ input: { prompt, timeout: '10m' }, entityRef: ENTITY_REF })
        ).body;

      const approved = await start('Restart my-awesome-app in production?');
      // A run and its approval are read by two queries: under load one read can see
      // the approval before the run's status change. Wait until both are visible.
      // It waits parked (`waiting`), holding no run slot.
      const waiting = await waitFor(async () => {
        const r = await runOf(approved.id);
        return r.pendingApproval && r.status === 'waiting' ? r : undefined;
      }, 'the run to wait for approval');
      expect(waiting.pendingApproval).toMatchObject({
        stepId: 'run',
        prompt: 'Restart my-awesome-app in production?',
      });

      const decision = await api()
        .post(`/api/event-orchestration/runs/${approved.id}/approve`)
        .send({ decision: 'approve', comment: 'go ahead' });
      expect(decision.status).toBe(200);
      const done = await waitFor(async () => {
        const r = await runOf(approved.id);
        return r.status === 'succeeded' ? r : undefined;
      }, 'the approved run to finish');
      expect(done.steps[0].output).toEqual({
        decision: 'approved',
        decidedBy: 'user:default/mock',
        comment: 'go ahead',
      });
      expect(
        done.audit.map((a: any) => [a.action, a.actor, a.comment]),
      ).toEqual([
        ['start', 'user:default/mock', undefined],
        ['approve', 'user:default/mock', 'go ahead'],
      ]);
      const again = await api()
        .post(`/api/event-orchestration/runs/${approved.id}/approve`)
        .send({});
      expect(again.status).toBe(409);
      expect(again.body.error.message).toBe(
        `Run ${approved.id} is not waiting for an approval`,
      );

      const rejected = await start('Scale to 50 replicas?');
      await waitFor(
        async () =>
          (await runOf(rejected.id)).pendingApproval ? true : undefined,
        'waiting',
      );
      await api()
        .post(`/api/event-orchestration/runs/${rejected.id}/approve`)
        .send({ decision: 'reject', comment: 'too many' });
      const failed = await waitFor(async () => {
        const r = await runOf(rejected.id);
        return r.status === 'failed' ? r : undefined;
      }, 'the rejected run to fail');
      expect(failed.error).toBe(
        "step 'run' failed: rejected by user:default/mock: too many",
      );
    });

    it('answers list queries with clear errors for bad parameters', async () => {
      const badStatus = await api().get(
        '/api/event-orchestration/runs?status=done',
      );
      expect(badStatus.status).toBe(400);
      expect(badStatus.body.error.message).toMatch(/^Invalid query: status: /);
      const badCursor = await api().get(
        '/api/event-orchestration/events?cursor=zzz',
      );
      expect(badCursor.status).toBe(400);
      const missing = await api().get(
        '/api/event-orchestration/runs/does-not-exist',
      );
      expect(missing.status).toBe(404);
    });

    it('pages through events newest first', async () => {
      // Runs of earlier tests may still be finishing, each adding an
      // orchestration.run.finished event: page once the list has stopped growing.
      let all: any[] = [];
      let previous = '';
      for (let i = 0; i < 50; i++) {
        all = (await api().get('/api/event-orchestration/events?limit=200'))
          .body.items;
        const ids = JSON.stringify(all.map((item: any) => item.event.id));
        if (ids === previous) break;
        previous = ids;
        await new Promise(resolve => setTimeout(resolve, 500));
      }
      expect(all.length).toBeGreaterThanOrEqual(3);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await api().get(
          `/api/event-orchestration/events?limit=1${
            cursor ? `&cursor=${cursor}` : ''
          }`,
        );
        expect(page.body.items).toHaveLength(1);
        seen.push(page.body.items[0].event.id);
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual(all.map((i: any) => i.event.id));
      expect(new Set(seen).size).toBe(seen.length);
    });

    it('filters events and runs by the time they arrived', async () => {
      const events = (
        await api().get('/api/event-orchestration/events?limit=200')
      ).body.items;
      const runs = (await api().get('/api/event-orchestration/runs?limit=200'))
        .body.items;
      // The newest event's arrival: it and anything as new are listed, nothing older.
      const newest = events[0].receivedAt;
      const since = (
        await api().get(
          `/api/event-orchestration/events?since=${encodeURIComponent(newest)}`,
        )
      ).body.items;
      expect(since.map((e: any) => e.event.id)).toEqual(
        events
          .filter((e: any) => e.receivedAt >= newest)
          .map((e: any) => e.event.id),
      );
      expect(since.length).toBeLessThan(events.length);
      const future = new Date(Date.now() + 3_600_000).toISOString();
      expect(
        (await api().get(`/api/event-orchestration/runs?since=${future}`)).body
          .items,
      ).toEqual([]);
      const past = new Date(Date.now() - 3_600_000).toISOString();
      expect(
        (
          await api().get(
            `/api/event-orchestration/runs?since=${past}&limit=200`,
          )
        ).body.items,
      ).toHaveLength(runs.length);
      const bad = await api().get(
        '/api/event-orchestration/events?since=yesterday',
      );
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toMatch(/^Invalid query: since: /);
    });
  },
);

describe('event-orchestration backend with a denying permission policy', () => {
  it('refuses POST /events and manual runs with 403 and stores nothing', async () => {
    const { server, stop } = await (async () => {
      const backend = await startTestBackend({
        features: [
          eventOrchestrationPlugin,
          catalogServiceMock.factory({ entities }),
          // Denies every write; allows the admin's reads, so that the
          // reads below see everything there is.
          mockServices.permissions.mock({
            authorize: async requests =>
              requests.map(r => ({
                result:
                  r.permission.name === 'event-orchestration.admin'
                    ? AuthorizeResult.ALLOW
                    : AuthorizeResult.DENY,
              })),
          }).factory,
        ],
      });
      return { server: backend.server, stop: () => backend.stop() };
    })();
    try {
      const denied = await request(server)
        .post('/api/event-orchestration/events')
        .send({ type: 'portal.remediation.requested', data: {} });
      expect(denied.status).toBe(403);
      expect(denied.body.error.message).toBe(
        'Not allowed to publish events (permission event-orchestration.event.create)',
      );
      const events = await request(server).get(
        '/api/event-orchestration/events',
      );
      expect(events.body.items).toEqual([]);
      const action = await request(server)
        .post('/api/event-orchestration/actions/log/runs')
        .send({ input: { message: 'hi' } });
      expect(action.status).toBe(403);
      expect(action.body.error.message).toBe(
        'Not allowed to manage runs (permission event-orchestration.run.manage)',
      );
      expect(
        (await request(server).get('/api/event-orchestration/runs')).body.items,
      ).toEqual([]);
    } finally {
      await stop();
    }
  });
});
