import { OrchestrationAction } from '@edo/plugin-event-orchestration-node';
import {
  FakeKubernetes,
  startFakeKubernetes,
} from '../../__testUtils__/fakeKubernetes';
import { inputRefusal, runActionForTest } from '../../__testUtils__/runAction';
import { createKubernetesActions } from './kubernetesActions';
import { createArgoCdActions } from '../argocd/argocdActions';
import { CREATED_BY_STEP_ANNOTATION, OWNER_ANNOTATION } from './ownership';

// Names, namespaces and owners from events (issue 18, finding 2), against the
// Kubernetes API stand-in.
jest.setTimeout(30_000);

const BAD_NAMES = ['..', '../kube-system', 'Payments', 'a b', 'a\nb', '-a', ''];

describe('kubernetes and argocd action inputs from events', () => {
  let fake: FakeKubernetes;
  let actions: Map<string, OrchestrationAction>;
  const action = (id: string) => actions.get(id)!;
  const writes = () => fake.requests.filter(r => r.method !== 'GET');

  beforeEach(async () => {
    fake = await startFakeKubernetes();
    actions = new Map(
      [
        ...createKubernetesActions([
          {
            name: 'prod',
            url: fake.url,
            serviceAccountToken: 'sa-token',
            skipTLSVerify: true,
          },
        ]),
        ...createArgoCdActions([
          { name: 'prod', baseUrl: 'http://127.0.0.1:1', token: 't' },
        ]),
      ].map(a => [a.id, a]),
    );
  });
  afterEach(() => fake.close());

  it.each(BAD_NAMES)(
    'refuses namespace %j in every Kubernetes action, naming the field',
    namespace => {
      const inputs: Array<[string, Record<string, unknown>, string]> = [
        [
          'kubernetes:scale',
          { namespace, name: 'app', replicas: 1 },
          'namespace',
        ],
        ['kubernetes:rollout-restart', { namespace, name: 'app' }, 'namespace'],
        ['kubernetes:create-namespace', { name: namespace }, 'name'],
        [
          'kubernetes:apply',
          { namespace, manifests: { kind: 'X' } },
          'namespace',
        ],
        [
          'argo-workflows:submit',
          { namespace, workflowTemplate: 'build' },
          'namespace',
        ],
      ];
      for (const [id, input, field] of inputs) {
        expect(inputRefusal(action(id), input)).toMatch(
          new RegExp(`^${field}: .* is not a valid Kubernetes namespace: `),
        );
      }
    },
  );

  it.each(BAD_NAMES.concat(['a..b', 'x'.repeat(254)]))(
    'refuses object and Argo CD application name %j, naming the field',
    name => {
      expect(
        inputRefusal(action('kubernetes:rollout-restart'), {
          namespace: 'shop',
          name,
        }),
      ).toMatch(/^name: .* is not a valid Kubernetes object name: /);
      expect(
        inputRefusal(action('kubernetes:patch'), {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          namespace: 'shop',
          name,
          patch: {},
        }),
      ).toMatch(/^name: /);
      expect(
        inputRefusal(action('argo-workflows:submit'), {
          namespace: 'ci',
          workflowTemplate: name,
        }),
      ).toMatch(/^workflowTemplate: .* is not a valid WorkflowTemplate name: /);
      for (const id of ['argocd:sync', 'argocd:get-status']) {
        expect(inputRefusal(action(id), { application: name })).toMatch(
          /^application: .* is not a valid Argo CD application name: /,
        );
      }
    },
  );

  it('accepts the names the examples use', () => {
    expect(
      inputRefusal(action('kubernetes:rollout-restart'), {
        namespace: 'shop',
        name: 'my-awesome-app',
      }),
    ).toBeUndefined();
    expect(
      inputRefusal(action('argocd:sync'), { application: 'payments-prod.eu' }),
    ).toBeUndefined();
    expect(
      inputRefusal(action('kubernetes:scale'), {
        namespace: 'shop',
        name: 'app',
        replicas: 1001,
      }),
    ).toMatch(/^replicas: Number must be less than or equal to 1000/);
  });

  it('kubernetes:apply refuses a bad name inside a manifest before applying anything', async () => {
    await expect(
      runActionForTest(action('kubernetes:apply'), {
        manifests: [
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: 'fine', namespace: 'shop' },
          },
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: 'x', namespace: '../kube-system' },
          },
        ],
      }),
    ).rejects.toThrow(
      /manifests\[1\]\.metadata\.namespace '\.\.\/kube-system' must be a DNS-1123 label/,
    );
    expect(writes()).toEqual([]);
  });

  describe('app-provisioning for an app that already belongs to another team', () => {
    const paymentsApplication = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: {
        name: 'payments-prod',
        namespace: 'argocd',
        annotations: { [OWNER_ANNOTATION]: 'group:default/payments' },
      },
      spec: { source: { repoURL: 'https://git.example.com/payments.git' } },
    };
    beforeEach(async () => {
      // Provisioned earlier for the payments team, the way the example sensor does.
      await runActionForTest(action('kubernetes:create-namespace'), {
        name: 'payments-prod',
        owner: 'group:default/payments',
      });
      await runActionForTest(action('kubernetes:apply'), {
        manifests: paymentsApplication,
      });
      fake.requests.length = 0;
    });

    it('kubernetes:create-namespace refuses to give another team a role in it', async () => {
      await expect(
        runActionForTest(action('kubernetes:create-namespace'), {
          name: 'payments-prod',
          owner: 'group:default/intruders',
          labels: { environment: 'prod' },
        }),
      ).rejects.toThrow(
        `Namespace payments-prod already exists and belongs to group:default/payments (annotation ${OWNER_ANNOTATION}); not applied over it for group:default/intruders`,
      );
      expect(writes()).toEqual([]);
      expect(fake.get('rolebindings', 'intruders-admin', 'payments-prod')).toBe(
        undefined,
      );
      // The owner itself may run it again (provisioning is repeatable).
      await runActionForTest(action('kubernetes:create-namespace'), {
        name: 'payments-prod',
        owner: 'group:default/payments',
      });
    });

    it('kubernetes:create-namespace grants no role in a namespace it did not create', async () => {
      fake.apply('namespaces', { metadata: { name: 'kube-system' } });
      fake.requests.length = 0;
      await expect(
        runActionForTest(action('kubernetes:create-namespace'), {
          name: 'kube-system',
          owner: 'group:default/intruders',
        }),
      ).rejects.toThrow(
        'Namespace kube-system already exists and was not created by event orchestration; no role is granted in it',
      );
      expect(writes()).toEqual([]);
    });

    it('kubernetes:apply refuses to overwrite the Application of another owner', async () => {
      const forged = {
        ...paymentsApplication,
        metadata: {
          ...paymentsApplication.metadata,
          annotations: { [OWNER_ANNOTATION]: 'group:default/intruders' },
        },
        spec: { source: { repoURL: 'https://evil.example.com/x.git' } },
      };
      for (const manifests of [
        forged,
        { ...forged, metadata: { name: 'payments-prod', namespace: 'argocd' } },
      ]) {
        await expect(
          runActionForTest(action('kubernetes:apply'), { manifests }),
        ).rejects.toThrow(
          /^Application argocd\/payments-prod already exists and belongs to group:default\/payments/,
        );
      }
      expect(writes()).toEqual([]);
      expect(
        fake.get('applications', 'payments-prod', 'argocd').spec.source.repoURL,
      ).toBe('https://git.example.com/payments.git');
    });

    it('kubernetes:apply with ifExists: refuse does not overwrite it even in the name of its owner, but a retried step applies again', async () => {
      const repointed = {
        ...paymentsApplication,
        spec: { source: { repoURL: 'https://evil.example.com/x.git' } },
      };
      await expect(
        runActionForTest(action('kubernetes:apply'), {
          manifests: repointed,
          ifExists: 'refuse',
        }),
      ).rejects.toThrow(
        'Application argocd/payments-prod already exists; this step only creates it (ifExists: refuse)',
      );
      expect(writes()).toEqual([]);

      // A new application: created, marked with the step; the same step retried applies again.
      const fresh = {
        ...paymentsApplication,
        metadata: { ...paymentsApplication.metadata, name: 'billing-prod' },
      };
      const ids = { runId: 'run-9', stepId: 'argocd-application' };
      const input = { manifests: fresh, ifExists: 'refuse' };
      await runActionForTest(action('kubernetes:apply'), input, ids);
      await runActionForTest(action('kubernetes:apply'), input, ids);
      expect(
        fake.get('applications', 'billing-prod', 'argocd').metadata.annotations,
      ).toMatchObject({
        [CREATED_BY_STEP_ANNOTATION]: 'run-9:argocd-application',
      });
      await expect(
        runActionForTest(action('kubernetes:apply'), input, {
          runId: 'run-10',
          stepId: 'argocd-application',
        }),
      ).rejects.toThrow(/already exists; this step only creates it/);
    });
  });
});
