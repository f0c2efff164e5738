import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  AuthorizePermissionRequest,
  AuthorizeResult,
  PolicyDecision,
  QueryPermissionRequest,
  isResourcePermission,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
} from '@backstage/plugin-permission-node';
import request from 'supertest';
import { eventOrchestrationPlugin } from './plugin';
import { waitFor } from './__testUtils__/waitFor';
import { actionConditions, createActionConditionalDecision } from '.';

jest.setTimeout(60_000);

const base = '/api/event-orchestration';

/** The exploit: a manifest applied with the backend's service account. */
const manifest = {
  cluster: 'demo',
  manifest: {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'me-cluster-admin' },
    roleRef: {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'cluster-admin',
    },
    subjects: [{ kind: 'User', name: 'mallory' }],
  },
};

/** Without `policyFeatures`, the test backend's permissions allow everything. */
async function backendWith(
  eventOrchestration: object,
  policyFeatures: Parameters<typeof startTestBackend>[0]['features'] = [],
) {
  return startTestBackend({
    features: [
      eventOrchestrationPlugin,
      catalogServiceMock.factory({ entities: [] }),
      mockServices.rootConfig.factory({
        data: {
          eventOrchestration,
        },
      }),
      ...policyFeatures,
    ],
  });
}

async function runsIn(server: Parameters<typeof request>[0]) {
  return (await request(server).get(`${base}/runs`)).body.items;
}

async function finished(server: Parameters<typeof request>[0], id: string) {
  return waitFor(async () => {
    const { body } = await request(server).get(`${base}/runs/${id}`);
    return ['succeeded', 'failed'].includes(body.status) ? body : undefined;
  }, 'the manual run to finish');
}

describe('actions run by hand', () => {
  describe('with the default allow-list', () => {
    let backend: Awaited<ReturnType<typeof startTestBackend>>;
    beforeAll(async () => {
      backend = await backendWith({});
    });
    afterAll(() => backend.stop());

    it.each([
      ['kubernetes:apply', manifest],
      ['http:request', { url: 'http://169.254.169.254/latest/meta-data/' }],
      [
        'gitops:commit-files',
        {
          repository: 'https://git.example.com/acme/deploy.git',
          files: [{ path: 'apps/a.yaml', content: 'x' }],
          message: 'hand-made',
        },
      ],
    ])(
      'refuses %s with 403 naming eventOrchestration.actions.manual.allowed, and stores nothing',
      async (id, input) => {
        const answer = await request(backend.server)
          .post(`${base}/actions/${id}/runs`)
          .send({ input });
        expect(answer.status).toBe(403);
        expect(answer.body.error).toEqual({
          name: 'NotAllowedError',
          message: `Action '${id}' may not be run by hand: it is not listed in eventOrchestration.actions.manual.allowed`,
        });
        expect(await runsIn(backend.server)).toEqual([]);
      },
    );

    it('runs log by hand, as before', async () => {
      const started = await request(backend.server)
        .post(`${base}/actions/log/runs`)
        .send({ input: { message: 'hello' } });
      expect(started.status).toBe(201);
      expect((await finished(backend.server, started.body.id)).status).toBe(
        'succeeded',
      );
    });

    it('says in GET /actions which actions are runnable by hand', async () => {
      const { body } = await request(backend.server).get(`${base}/actions`);
      const runnable = body.items
        .filter((a: any) => a.runnableByHand)
        .map((a: any) => a.id);
      expect(runnable).toEqual([
        'argocd:get-status',
        'log',
        'notification:send',
      ]);
      expect(
        body.items.every((a: any) => typeof a.runnableByHand === 'boolean'),
      ).toBe(true);
    });
  });

  it('refuses event:publish run by hand even when listed: its events would come from the orchestrator, past POST /events checks', async () => {
    const backend = await backendWith({
      actions: { manual: { allowed: ['event:publish'] } },
    });
    try {
      const started = await request(backend.server)
        .post(`${base}/actions/event:publish/runs`)
        .send({
          input: {
            type: 'alertmanager.alert',
            data: { labels: { alertname: 'HighCPU' } },
          },
        });
      expect(started.status).toBe(201);
      const run = await finished(backend.server, started.body.id);
      expect(run.status).toBe('failed');
      expect(run.steps[0].error).toContain(
        "event:publish runs only in a sensor's workflow",
      );
      const events = await request(backend.server).get(
        `${base}/events?type=alertmanager.alert`,
      );
      expect(events.body.items).toEqual([]);
    } finally {
      await backend.stop();
    }
  });

  it('runs an action the deployment lists, and only those', async () => {
    const backend = await backendWith({
      actions: { manual: { allowed: ['http:request'] } },
    });
    try {
      // Refused by the outbound policy when it runs: it was started.
      const started = await request(backend.server)
        .post(`${base}/actions/http:request/runs`)
        .send({ input: { url: 'http://127.0.0.1:1/', retries: 0 } });
      expect(started.status).toBe(201);
      const log = await request(backend.server)
        .post(`${base}/actions/log/runs`)
        .send({ input: { message: 'hello' } });
      expect(log.status).toBe(403);
      expect(log.body.error.message).toBe(
        "Action 'log' may not be run by hand: it is not listed in eventOrchestration.actions.manual.allowed",
      );
    } finally {
      await backend.stop();
    }
  });

  describe('under a permission policy that allows event-orchestration.action.run on log only', () => {
    // A policy sees the permission, not the action asked for: it answers with a
    // condition on the action, which the plugin resolves with its registered rule.
    const logOnly: PermissionPolicy = {
      async handle(query: PolicyQuery): Promise<PolicyDecision> {
        if (
          isResourcePermission(query.permission, 'event-orchestration-action')
        ) {
          return createActionConditionalDecision(
            query.permission,
            actionConditions.isAction({ ids: ['log'] }),
          );
        }
        return { result: AuthorizeResult.ALLOW };
      },
    };
    // The policy decides in process: the permission backend's round trip needs
    // on-behalf-of tokens naming the plugin, which the test backend's mock auth
    // does not issue.
    const permissionsWithPolicy = createServiceFactory({
      service: coreServices.permissions,
      deps: {},
      factory: () => ({
        async authorizeConditional(queries: QueryPermissionRequest[]) {
          return Promise.all(queries.map(q => logOnly.handle(q)));
        },
        async authorize(requests: AuthorizePermissionRequest[]) {
          return Promise.all(
            requests.map(async r => {
              const decision = await logOnly.handle({
                permission: r.permission,
              });
              if (decision.result === AuthorizeResult.CONDITIONAL) {
                throw new Error(
                  'the test policy decides resources in the plugin',
                );
              }
              return decision;
            }),
          );
        },
      }),
    });

    let backend: Awaited<ReturnType<typeof startTestBackend>>;
    beforeAll(async () => {
      backend = await backendWith(
        { actions: { manual: { allowed: ['log', 'http:request'] } } },
        [permissionsWithPolicy],
      );
    });
    afterAll(() => backend.stop());

    it('lets the policy allow log and deny http:request with 403 naming event-orchestration.action.run, storing nothing', async () => {
      const denied = await request(backend.server)
        .post(`${base}/actions/http:request/runs`)
        .send({ input: { url: 'http://169.254.169.254/latest/meta-data/' } });
      expect(denied.status).toBe(403);
      expect(denied.body.error).toEqual({
        name: 'NotAllowedError',
        message:
          "Not allowed to run action 'http:request' (permission event-orchestration.action.run)",
      });
      expect(await runsIn(backend.server)).toEqual([]);

      const allowed = await request(backend.server)
        .post(`${base}/actions/log/runs`)
        .send({ input: { message: 'hello' } });
      expect(allowed.status).toBe(201);
    });
  });
});
