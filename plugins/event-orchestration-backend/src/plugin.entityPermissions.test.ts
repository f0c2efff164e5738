import {
  coreServices,
  createBackendModule,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { httpAuthServiceFactory } from '@backstage/backend-defaults/httpAuth';
import { permissionsServiceFactory } from '@backstage/backend-defaults/permissions';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import catalogBackend from '@backstage/plugin-catalog-backend';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import permissionBackend from '@backstage/plugin-permission-backend';
import {
  AuthorizeResult,
  PolicyDecision,
  isPermission,
  isResourcePermission,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { catalogEntityReadPermission } from '@backstage/plugin-catalog-common/alpha';
import { adminPermission } from '@edo/plugin-event-orchestration-common';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { eventOrchestrationPlugin } from './plugin';
import { userInfoByTable } from './__testUtils__/userInfoByTable';
import { waitFor } from './__testUtils__/waitFor';

/*
 * Issue 18, finding 3: permissions are scoped to the catalog entity an event
 * or run concerns. Everything here is real Backstage: the catalog backend
 * reading entities from a file, the permission backend with a policy module,
 * the permissions service asking it over HTTP, and the catalog applying the
 * policy's `isEntityOwner` conditions. Only sign-in is a stand-in: the test
 * backend's mock tokens, and a user-info table saying who is in which group
 * (what the auth backend's sign-in resolver puts in a real token).
 */

jest.setTimeout(120_000);

const base = '/api/event-orchestration';
const TOKEN = 'webhook-token-entity-permissions';

const ALICE = 'user:default/alice'; // member of team-payments, owner of payments
const BOB = 'user:default/bob'; // owns nothing, in no group
const CAROL = 'user:default/carol'; // platform-team: the admin
const DAVE = 'user:default/dave'; // reads the whole catalog, owns nothing
const PAYMENTS = 'component:default/payments';

const groupsOf: Record<string, string[]> = {
  [ALICE]: ['group:default/team-payments'],
  [CAROL]: ['group:default/platform-team'],
};

const entitiesYaml = `
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: payments }
spec: { type: service, lifecycle: production, owner: group:default/team-payments }
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: team-payments }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: platform-team }
spec: { type: team, children: [] }
`;

/**
 * The example's rules in small: platform-team may do anything; the
 * entity-scoped permissions and reading the catalog are allowed on what the
 * user's groups own; what concerns no entity is the admin's; the global
 * permissions are everyone's.
 */
class OwnersPolicy implements PermissionPolicy {
  async handle(
    query: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const claims = user?.info.ownershipEntityRefs ?? [];
    if (claims.includes('group:default/platform-team')) {
      return { result: AuthorizeResult.ALLOW };
    }
    if (
      user?.info.userEntityRef === DAVE &&
      isPermission(query.permission, catalogEntityReadPermission)
    ) {
      return { result: AuthorizeResult.ALLOW };
    }
    if (isPermission(query.permission, adminPermission)) {
      return { result: AuthorizeResult.DENY };
    }
    if (
      isResourcePermission(query.permission, 'catalog-entity') &&
      (query.permission.name.startsWith('event-orchestration.') ||
        isPermission(query.permission, catalogEntityReadPermission))
    ) {
      return createCatalogConditionalDecision(
        query.permission,
        catalogConditions.isEntityOwner({ claims }),
      );
    }
    return { result: AuthorizeResult.ALLOW };
  }
}

const policyModule = createBackendModule({
  pluginId: 'permission',
  moduleId: 'owners-policy',
  register(env) {
    env.registerInit({
      deps: { policy: policyExtensionPoint },
      async init({ policy }) {
        policy.setPolicy(new OwnersPolicy());
      },
    });
  },
});

/**
 * The test backend's mock auth, except that a plugin's token on behalf of a
 * user yields that user with the plugin as actor, as Backstage's own tokens
 * do: the permission backend tells a plugin asking for a user (allowed to
 * omit the resource) from the user asking directly by that actor.
 */
const SERVICE_TOKEN_PREFIX = 'mock-service-token:';
const authWithActors = createServiceFactory({
  service: coreServices.auth,
  deps: { plugin: coreServices.pluginMetadata },
  factory({ plugin }) {
    const mock = mockServices.auth({ pluginId: plugin.getId() });
    return {
      ...Object.fromEntries(
        (
          [
            'getNoneCredentials',
            'getOwnServiceCredentials',
            'isPrincipal',
            'getPluginRequestToken',
            'getLimitedUserToken',
            'listPublicServiceKeys',
          ] as const
        ).map(name => [name, (mock[name] as Function).bind(mock)]),
      ),
      async authenticate(token: string, options?: any) {
        const credentials = await mock.authenticate(token, options);
        if (token.startsWith(SERVICE_TOKEN_PREFIX)) {
          const { sub, obo } = JSON.parse(
            token.slice(SERVICE_TOKEN_PREFIX.length),
          );
          if (obo) {
            return mockCredentials.user(obo, {
              actor: { subject: sub ?? 'plugin' },
            });
          }
        }
        return credentials;
      },
    } as typeof mock;
  },
});

let backend: Awaited<ReturnType<typeof startTestBackend>>;
let dir: string;

const as = (user: string) => ({
  get: (p: string) =>
    request(backend.server)
      .get(`${base}${p}`)
      .set('authorization', mockCredentials.user.header(user)),
  post: (p: string, body: object = {}) =>
    request(backend.server)
      .post(`${base}${p}`)
      .set('authorization', mockCredentials.user.header(user))
      .send(body),
});

/** A run of approval:wait about payments, started by the admin, waiting. */
async function waitingRunAboutPayments() {
  const started = await as(CAROL).post('/actions/approval:wait/runs', {
    input: { prompt: 'Restart payments?', timeout: '10m' },
    entityRef: PAYMENTS,
  });
  expect(started.status).toBe(201);
  return waitFor(async () => {
    const { body } = await as(CAROL).get(`/runs/${started.body.id}`);
    return body.pendingApproval ? body : undefined;
  }, 'the run to wait for its approval');
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edo-entity-permissions-'));
  fs.writeFileSync(path.join(dir, 'entities.yaml'), entitiesYaml);
  backend = await startTestBackend({
    features: [
      eventOrchestrationPlugin,
      catalogBackend,
      permissionBackend,
      policyModule,
      permissionsServiceFactory,
      authWithActors,
      httpAuthServiceFactory,
      userInfoByTable(groupsOf),
      mockServices.rootConfig.factory({
        data: {
          permission: { enabled: true },
          catalog: {
            rules: [{ allow: ['Component', 'Group', 'User'] }],
            locations: [
              { type: 'file', target: path.join(dir, 'entities.yaml') },
            ],
          },
          eventOrchestration: {
            actions: { manual: { allowed: ['log', 'approval:wait'] } },
            sensors: [
              {
                // Relays a portal request as an orchestrator event (a chain of sensors).
                name: 'relay',
                dependencies: [
                  { name: 'asked', eventType: 'portal.relay.requested' },
                ],
                workflow: {
                  steps: [
                    {
                      id: 'relay',
                      action: 'event:publish',
                      input: {
                        type: 'relay.deploy',
                        data: { app: '${{ event.data.app }}' },
                      },
                    },
                  ],
                },
              },
              {
                name: 'deploy-relayed',
                dependencies: [{ name: 'relayed', eventType: 'relay.deploy' }],
                entity: '${{ event.data.app }}',
                workflow: {
                  steps: [
                    { id: 'say', action: 'log', input: { message: 'x' } },
                  ],
                },
              },
              {
                // Picks its entity from the data, as deploy-new-image does.
                name: 'deploy-by-data',
                dependencies: [
                  { name: 'asked', eventType: 'portal.deploy.requested' },
                ],
                entity: '${{ event.data.app }}',
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
              {
                // Its window holds the webhook events about payments.
                name: 'count-sync',
                dependencies: [
                  { name: 'failed', eventType: 'argocd.app.sync-failed' },
                ],
                aggregate: { count: 3, within: '1h' },
                workflow: {
                  steps: [
                    {
                      id: 'say',
                      action: 'log',
                      input: { message: '${{ triggerEvents }}' },
                    },
                  ],
                },
              },
              {
                name: 'watch-sync',
                dependencies: [
                  { name: 'failed', eventType: 'argocd.app.sync-failed' },
                ],
                workflow: {
                  steps: [
                    { id: 'say', action: 'log', input: { message: 'x' } },
                  ],
                },
              },
            ],
            sources: {
              webhooks: [
                {
                  name: 'argocd',
                  type: 'generic',
                  eventType: 'argocd.app.sync-failed',
                  subjectPath: 'app',
                  auth: { bearerToken: TOKEN },
                },
              ],
            },
          },
        },
      }),
    ],
  });
  // The catalog reads its file location on its first processing round.
  await waitFor(async () => {
    const { body } = await request(backend.server)
      .get(`/api/catalog/entities/by-name/component/default/payments`)
      .set('authorization', mockCredentials.user.header(CAROL));
    return body?.metadata?.name === 'payments' ? true : undefined;
  }, 'the catalog to hold payments');
});

afterAll(async () => {
  await backend?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('publishing about an entity (POST /events)', () => {
  it('refuses a non-owner with 403 naming the permission and the entity, and stores nothing', async () => {
    const refused = await as(BOB).post('/events', {
      type: 'portal.remediation.requested',
      entityRef: PAYMENTS,
      data: { action: 'rollback', application: 'payments' },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toBe(
      `Not allowed to publish 'portal.remediation.requested' events for ${PAYMENTS} (permission event-orchestration.entity.event.create)`,
    );
    const stored = await as(CAROL).get(
      '/events?type=portal.remediation.requested',
    );
    expect(stored.body.items).toEqual([]);
  });

  it('refuses a non-owner whose event names the entity only by subject', async () => {
    const refused = await as(BOB).post('/events', {
      type: 'portal.remediation.requested',
      subject: 'payments',
      data: { action: 'rollback', application: 'payments' },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain(PAYMENTS);
  });

  it('accepts the owner', async () => {
    const accepted = await as(ALICE).post('/events', {
      type: 'portal.remediation.requested',
      entityRef: PAYMENTS,
      data: { action: 'sync', application: 'payments' },
    });
    expect(accepted.status).toBe(201);
  });

  it('lets anyone publish what concerns no entity, with the global permission', async () => {
    const accepted = await as(BOB).post('/events', {
      type: 'portal.provisioning.requested',
      subject: 'a-new-app-nobody-has',
      data: {},
    });
    expect(accepted.status).toBe(201);
  });
});

describe('a sensor that picks its entity from the data of a portal request', () => {
  async function verdictOf(user: string, body: object) {
    const posted = await as(user).post('/events', {
      type: 'portal.deploy.requested',
      ...body,
    });
    expect(posted.status).toBe(201);
    return waitFor(async () => {
      const { body: stored } = await as(CAROL).get(`/events/${posted.body.id}`);
      return stored.evaluations?.length ? stored : undefined;
    }, 'the verdict');
  }

  it("starts no run about an entity the publisher was not checked for (the review's deploy-to-any-app)", async () => {
    const stored = await verdictOf(BOB, { data: { app: 'payments' } });
    expect(stored.evaluations[0]).toMatchObject({
      sensor: 'deploy-by-data',
      matched: false,
      reason: `rejected: the run would concern ${PAYMENTS}, but ${BOB} published about no entity; a portal request acts only on the entities checked when it was published`,
    });
    expect(stored.runs).toEqual([]);
  });

  it('starts no such run either when a sensor relays the request with event:publish', async () => {
    const posted = await as(BOB).post('/events', {
      type: 'portal.relay.requested',
      data: { app: 'payments' },
    });
    expect(posted.status).toBe(201);
    const relayed = await waitFor(async () => {
      const { body } = await as(CAROL).get('/events?type=relay.deploy');
      const event = body.items?.[0];
      if (!event) return undefined;
      const { body: stored } = await as(CAROL).get(`/events/${event.event.id}`);
      return stored.evaluations?.length ? stored : undefined;
    }, 'the relayed event and its verdict');
    expect(relayed.event.origin).toMatchObject({
      kind: 'orchestrator',
      onBehalfOf: [BOB],
      entityScope: [],
    });
    expect(relayed.evaluations[0]).toMatchObject({
      sensor: 'deploy-relayed',
      matched: false,
      reason: expect.stringContaining(
        `rejected: the run would concern ${PAYMENTS}, but ${BOB} published about no entity`,
      ),
    });
    expect(relayed.runs).toEqual([]);
  });

  it('starts it for the owner who published about the entity, and for an entity the catalog does not hold yet', async () => {
    const owner = await verdictOf(ALICE, {
      entityRef: PAYMENTS,
      data: { app: 'payments' },
    });
    expect(owner.evaluations[0].matched).toBe(true);
    const brandNew = await verdictOf(BOB, {
      data: { app: 'component:default/not-in-the-catalog' },
    });
    expect(brandNew.evaluations[0].matched).toBe(true);
  });
});

describe('running an action by hand (POST /actions/:id/runs)', () => {
  it('refuses a non-owner about the entity, and without an entity a non-admin', async () => {
    const aboutPayments = await as(BOB).post('/actions/log/runs', {
      input: { message: 'hi' },
      entityRef: PAYMENTS,
    });
    expect(aboutPayments.status).toBe(403);
    expect(aboutPayments.body.error.message).toBe(
      `Not allowed to run action 'log' for ${PAYMENTS} (permission event-orchestration.entity.run.manage)`,
    );
    const aboutNothing = await as(ALICE).post('/actions/log/runs', {
      input: { message: 'hi' },
    });
    expect(aboutNothing.status).toBe(403);
    expect(aboutNothing.body.error.message).toBe(
      "Not allowed to run action 'log', which concerns no catalog entity, (permission event-orchestration.admin)",
    );
  });

  it("answers a repeated idempotencyKey with the caller's own run only, never another caller's", async () => {
    const body = {
      input: { message: 'once' },
      entityRef: PAYMENTS,
      idempotencyKey: 'scaffolder:task-1:log',
    };
    const first = await as(ALICE).post('/actions/log/runs', body);
    expect(first.status).toBe(201);
    const again = await as(ALICE).post('/actions/log/runs', body);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const someoneElse = await as(CAROL).post('/actions/log/runs', body);
    expect(someoneElse.status).toBe(409);
    expect(someoneElse.body.error.message).toBe(
      'This idempotencyKey was used for another request; choose another key',
    );
    expect(JSON.stringify(someoneElse.body)).not.toContain(first.body.id);
  });

  it('runs it for the owner', async () => {
    const started = await as(ALICE).post('/actions/log/runs', {
      input: { message: 'hi' },
      entityRef: PAYMENTS,
    });
    expect(started.status).toBe(201);
  });
});

describe('deciding on and controlling a run about an entity', () => {
  it('refuses a non-owner to approve, cancel or retry; the owner may', async () => {
    const run = await waitingRunAboutPayments();

    const approve = await as(BOB).post(`/runs/${run.id}/approve`, {
      decision: 'approve',
    });
    expect(approve.status).toBe(403);
    expect(approve.body.error.message).toBe(
      `Not allowed to decide on run ${run.id} for ${PAYMENTS} (permission event-orchestration.entity.run.approve)`,
    );
    const cancel = await as(BOB).post(`/runs/${run.id}/cancel`);
    expect(cancel.status).toBe(403);
    expect(cancel.body.error.message).toContain(
      'permission event-orchestration.entity.run.manage',
    );
    // Nothing changed by the refusals.
    const unchanged = (await as(CAROL).get(`/runs/${run.id}`)).body;
    expect(unchanged.pendingApproval).toMatchObject({ stepId: 'run' });

    const cancelled = await as(ALICE).post(`/runs/${run.id}/cancel`, {
      comment: 'not now',
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    const retryByBob = await as(BOB).post(`/runs/${run.id}/retry`);
    expect(retryByBob.status).toBe(403);
    const retried = await as(ALICE).post(`/runs/${run.id}/retry`);
    expect(retried.status).toBe(200);

    const waitingAgain = await waitFor(async () => {
      const { body } = await as(CAROL).get(`/runs/${run.id}`);
      return body.pendingApproval ? body : undefined;
    }, 'the retried run to wait again');
    const approved = await as(ALICE).post(`/runs/${waitingAgain.id}/approve`, {
      decision: 'approve',
    });
    expect(approved.status).toBe(200);
  });
});

describe('reading (events, runs, logs, dead letters)', () => {
  it('shows the owner what concerns their entity and hides it from others', async () => {
    const posted = await request(backend.server)
      .post(`${base}/webhooks/argocd`)
      .set('authorization', `Bearer ${TOKEN}`)
      .send({ app: 'payments' });
    expect(posted.status).toBe(202);
    const eventId = posted.body.eventIds[0];
    const linked = await waitFor(async () => {
      const { body } = await as(ALICE).get(`/events/${eventId}`);
      return body.entityRefs?.includes(PAYMENTS) ? body : undefined;
    }, 'the event linked to payments');
    expect(linked.event.id).toBe(eventId);

    // Bob: the event and every run about payments are invisible.
    expect((await as(BOB).get(`/events/${eventId}`)).status).toBe(404);
    const bobsEvents = (await as(BOB).get('/events')).body.items;
    expect(bobsEvents.map((e: any) => e.event.id)).not.toContain(eventId);
    expect(bobsEvents).toEqual([]);
    const alicesRuns = (await as(ALICE).get('/runs')).body.items;
    expect(alicesRuns.length).toBeGreaterThan(0);
    expect((await as(BOB).get('/runs')).body.items).toEqual([]);
    expect((await as(BOB).get(`/runs/${alicesRuns[0].id}`)).status).toBe(404);
    expect((await as(BOB).get('/dead-letters/redrives')).status).toBe(200);
    // Reading is not acting: a reader who owns nothing may not re-drive it.
    expect((await as(DAVE).get(`/events/${eventId}`)).status).toBe(200);
    const redrive = await as(DAVE).post(
      `/dead-letters/sensor-engine/${eventId}/redrive`,
    );
    expect(redrive.status).toBe(403);
    expect(redrive.body.error.message).toBe(
      `Not allowed to re-drive event '${eventId}' for ${PAYMENTS} (permission event-orchestration.entity.run.manage)`,
    );

    // Verdicts and dry runs of stored events are reads too.
    const verdictsOf = async (user: string) =>
      (await as(user).get('/sensors/watch-sync/verdicts')).body.items.map(
        (v: any) => v.eventId,
      );
    expect(await verdictsOf(ALICE)).toContain(eventId);
    expect(await verdictsOf(BOB)).not.toContain(eventId);
    const dryRun = (user: string) =>
      as(user).post('/sensors/test', { sensorName: 'watch-sync', eventId });
    expect((await dryRun(ALICE)).status).toBe(200);
    const refused = await dryRun(BOB);
    expect(refused.status).toBe(404);
    expect(refused.body.error.message).toBe(`No event with id '${eventId}'`);

    // A dry run of the windowed sensor completes its window with two pasted
    // events: the stored one about payments shows only to whom may read it.
    const pasted = [1, 2].map(i => ({
      id: `pasted-${i}`,
      type: 'argocd.app.sync-failed',
      source: '/webhooks/argocd',
      data: { app: 'payments' },
    }));
    const windowOf = async (user: string) => {
      const answer = await as(user).post('/sensors/test', {
        sensorName: 'count-sync',
        events: pasted,
      });
      expect(answer.status).toBe(200);
      return JSON.stringify(answer.body);
    };
    expect(await windowOf(ALICE)).toContain(eventId);
    expect(await windowOf(BOB)).not.toContain(eventId);

    // A draft borrowing the live sensor's name starts from an empty window:
    // the live one's counts concern other teams' events.
    const borrowed = await as(BOB).post('/sensors/test', {
      sensor: {
        name: 'count-sync',
        dependencies: [{ name: 'failed', eventType: 'argocd.app.sync-failed' }],
        aggregate: { count: 3, within: '1h' },
        workflow: { steps: [{ id: 'l', action: 'log', input: {} }] },
      },
      events: [pasted[0]],
    });
    expect(borrowed.status).toBe(200);
    expect(borrowed.body.results[0].reason).toContain('1 of 3');

    // A draft's entity is shown only to whom may read it.
    const draft = (user: string) =>
      as(user).post('/sensors/test', {
        sensor: {
          name: 'draft',
          dependencies: [{ name: 'd', eventType: 'portal.x.y' }],
          entity: 'payments',
          workflow: {
            steps: [
              {
                id: 'who',
                action: 'log',
                input: { message: '${{ default(entity, "none") }}' },
              },
            ],
          },
        },
        event: { type: 'portal.x.y', data: {} },
      });
    expect(JSON.stringify((await draft(ALICE)).body)).toContain(
      'team-payments',
    );
    const bobsDraft = await draft(BOB);
    expect(bobsDraft.status).toBe(200);
    expect(JSON.stringify(bobsDraft.body)).not.toContain('team-payments');
  });

  it('shows what concerns no entity to the admin only', async () => {
    const posted = await as(BOB).post('/events', {
      type: 'portal.note.left',
      data: { text: 'no entity here' },
    });
    expect(posted.status).toBe(201);
    const id = posted.body.id;
    await waitFor(async () => {
      const { status } = await as(CAROL).get(`/events/${id}`);
      return status === 200 ? true : undefined;
    }, 'the event stored');
    expect((await as(ALICE).get(`/events/${id}`)).status).toBe(404);
    expect(
      (await as(ALICE).get('/events')).body.items.map((e: any) => e.event.id),
    ).not.toContain(id);
  });
});
