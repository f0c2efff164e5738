import { mockServices } from '@backstage/backend-test-utils';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import { OrchestrationEvent } from '@edo/plugin-event-orchestration-common';
import { Knex } from 'knex';
import {
  FakeKubernetes,
  startFakeKubernetes,
} from '../__testUtils__/fakeKubernetes';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { EmbeddedEventBus } from '../bus/EmbeddedEventBus';
import { KubernetesSources, readKubernetesSources } from './kubernetes';
import { OrchestrationDatabase } from '../store';

jest.setTimeout(60_000);

const databases = createTestDatabases();
const TOKEN = 'sa-token-do-not-log';

async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 25));
  }
}

function podEvent(name: string, reason: string, pod = 'shop-7d9c-abcde') {
  return {
    metadata: { name, namespace: 'shop' },
    involvedObject: {
      apiVersion: 'v1',
      kind: 'Pod',
      name: pod,
      namespace: 'shop',
    },
    reason,
    message: `${reason} for ${pod}`,
    type: reason === 'Started' ? 'Normal' : 'Warning',
    count: 1,
    lastTimestamp: '2026-11-24T10:00:00Z',
  };
}

describe.each(databases.eachSupportedId())(
  'Kubernetes source on %p',
  databaseId => {
    let knex: Knex;
    let fake: FakeKubernetes;
    let bus: EmbeddedEventBus;
    let seen: OrchestrationEvent[];
    let closeSubscription: () => Promise<void>;
    const logger = mockServices.logger.mock();

    beforeEach(async () => {
      knex = await databases.init(databaseId);
      await knex.migrate.latest({
        directory: resolvePackagePath(
          '@edo/plugin-event-orchestration-backend',
          'migrations',
        ),
      });
      fake = await startFakeKubernetes();
      bus = new EmbeddedEventBus(knex, mockServices.logger.mock(), {
        pollIntervalMs: 50,
      });
      seen = [];
      const sub = await bus.subscribe('test', async e => void seen.push(e));
      closeSubscription = () => sub.close();
    });

    afterEach(async () => {
      await closeSubscription();
      await fake.close();
    });

    const clusters = (extra: object = {}) =>
      readKubernetesSources(
        new ConfigReader({
          eventOrchestration: {
            sources: {
              kubernetes: [
                {
                  name: 'prod',
                  url: fake.url,
                  serviceAccountToken: TOKEN,
                  skipTLSVerify: true,
                  ...extra,
                },
              ],
            },
          },
        }),
      );

    it('turns new core Events into kubernetes.event, linked by the involved object’s label, and resumes after a dropped watch', async () => {
      fake.apply('pods', {
        metadata: {
          name: 'shop-7d9c-abcde',
          namespace: 'shop',
          labels: { 'app.kubernetes.io/name': 'shop' },
        },
      });
      fake.apply('events', podEvent('old', 'Scheduled')); // history: not replayed at first start
      const sources = await KubernetesSources.start({
        clusters: clusters(),
        bus,
        sourceState: OrchestrationDatabase.create({ knex }).sourceState,
        logger,
        retryDelayMs: 50,
      });
      try {
        await waitFor('the watch', () => fake.openWatches() === 1);
        const started = fake.apply('events', podEvent('e1', 'BackOff'));
        await waitFor('the first event', () => seen.length === 1);
        expect(seen[0]).toMatchObject({
          id: `k8s-prod-${started.metadata.uid}-${started.metadata.resourceVersion}`,
          source: '/kubernetes/prod',
          type: 'kubernetes.event',
          subject: 'shop',
          data: {
            cluster: 'prod',
            namespace: 'shop',
            reason: 'BackOff',
            message: 'BackOff for shop-7d9c-abcde',
            type: 'Warning',
            involvedObject: {
              kind: 'Pod',
              name: 'shop-7d9c-abcde',
              namespace: 'shop',
            },
          },
        });

        // The API server ends the watch (timeout, restart); what happens until the
        // next watch is replayed from the last resourceVersion, once.
        fake.closeWatches();
        const whileAway = fake.apply('events', podEvent('e2', 'Unhealthy'));
        await waitFor('the replay', () => seen.length === 2);
        await waitFor('the new watch', () => fake.openWatches() === 1);
        fake.apply('events', { ...podEvent('e1', 'BackOff'), count: 2 }); // the same Event, counted again
        await waitFor('the repeated event', () => seen.length === 3);
        expect(seen.map(e => (e.data as any).reason)).toEqual([
          'BackOff',
          'Unhealthy',
          'BackOff',
        ]);
        expect(seen[1].id).toBe(
          `k8s-prod-${whileAway.metadata.uid}-${whileAway.metadata.resourceVersion}`,
        );
        expect((seen[2].data as any).count).toBe(2);

        const watches = fake.requests.filter(
          r => r.query.get('watch') === 'true',
        );
        expect(watches[1].query.get('resourceVersion')).toBe(
          started.metadata.resourceVersion,
        );
        expect(
          fake.requests.every(r => r.authorization === `Bearer ${TOKEN}`),
        ).toBe(true);
      } finally {
        await sources.stop();
      }
      expect(
        JSON.stringify(logger.info.mock.calls) +
          JSON.stringify(logger.warn.mock.calls),
      ).not.toContain(TOKEN);
    });

    it.each(['event', 'status'] as const)(
      'lists again after 410 Gone (sent as %s) and publishes only what changed meanwhile',
      async goneAs => {
        fake.goneAs = goneAs;
        fake.apply('events', podEvent('old', 'Scheduled', 'other'));
        const sources = await KubernetesSources.start({
          clusters: clusters(),
          bus,
          sourceState: OrchestrationDatabase.create({ knex }).sourceState,
          logger,
          retryDelayMs: 50,
        });
        try {
          await waitFor('the watch', () => fake.openWatches() === 1);
          fake.apply('events', podEvent('e1', 'BackOff', 'other'));
          await waitFor('the first event', () => seen.length === 1);
          // Disconnected long enough for the server to forget the version we had.
          fake.closeWatches();
          fake.apply('events', podEvent('e2', 'Killing', 'other'));
          fake.compact();
          await waitFor('the relist', () => seen.length >= 2);
          await waitFor('the new watch', () => fake.openWatches() === 1);
          fake.apply('events', podEvent('e3', 'Started', 'other'));
          await waitFor('the event after the relist', () => seen.length >= 3);
          await new Promise(r => setTimeout(r, 300));
          // Nothing twice, nothing from before the start, subject falls back to the name.
          expect(seen.map(e => (e.data as any).reason)).toEqual([
            'BackOff',
            'Killing',
            'Started',
          ]);
          expect(seen[1].subject).toBe('other');
          expect(
            fake.requests.filter(
              r => r.path === '/api/v1/events' && !r.query.get('watch'),
            ),
          ).toHaveLength(2);
        } finally {
          await sources.stop();
        }
      },
    );

    it('resumes from the stored resourceVersion after a restart', async () => {
      const first = await KubernetesSources.start({
        clusters: clusters(),
        bus,
        sourceState: OrchestrationDatabase.create({ knex }).sourceState,
        logger,
        retryDelayMs: 50,
      });
      await waitFor('the watch', () => fake.openWatches() === 1);
      fake.apply('events', podEvent('e1', 'BackOff', 'x'));
      await waitFor('the first event', () => seen.length === 1);
      await first.stop();
      await waitFor('the watch to end', () => fake.openWatches() === 0);

      fake.apply('events', podEvent('e2', 'Killing', 'x')); // while no backend runs
      const second = await KubernetesSources.start({
        clusters: clusters(),
        bus,
        sourceState: OrchestrationDatabase.create({ knex }).sourceState,
        logger,
        retryDelayMs: 50,
      });
      try {
        await waitFor('the replay', () => seen.length === 2);
        expect(seen[1].data).toMatchObject({ reason: 'Killing' });
        expect(
          fake.requests.filter(
            r => r.path === '/api/v1/events' && !r.query.get('watch'),
          ),
        ).toHaveLength(1);
      } finally {
        await second.stop();
      }
    });

    it('watches other resources by kind and label selector, in one namespace', async () => {
      const sources = await KubernetesSources.start({
        clusters: clusters({
          events: false,
          namespace: 'shop',
          resources: [
            {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              labelSelector: 'team=payments',
            },
          ],
        }),
        bus,
        sourceState: OrchestrationDatabase.create({ knex }).sourceState,
        logger,
        retryDelayMs: 50,
      });
      try {
        await waitFor('the watch', () => fake.openWatches() === 1);
        const deployment = (
          name: string,
          namespace: string,
          team: string,
          replicas: number,
        ) => ({
          metadata: {
            name,
            namespace,
            labels: { team, 'backstage.io/kubernetes-id': name },
          },
          spec: { replicas },
        });
        fake.apply(
          'deployments',
          deployment('checkout', 'shop', 'payments', 2),
        );
        fake.apply('deployments', deployment('search', 'shop', 'discovery', 1)); // other team
        fake.apply(
          'deployments',
          deployment('checkout', 'staging', 'payments', 1),
        ); // other namespace
        const scaled = fake.apply(
          'deployments',
          deployment('checkout', 'shop', 'payments', 5),
        );
        fake.remove('deployments', scaled.metadata.uid);
        await waitFor('three changes', () => seen.length === 3);
        await new Promise(r => setTimeout(r, 300));
        expect(
          seen.map(e => [
            e.type,
            e.subject,
            (e.data as any).change,
            (e.data as any).object.spec.replicas,
          ]),
        ).toEqual([
          ['kubernetes.resource', 'checkout', 'added', 2],
          ['kubernetes.resource', 'checkout', 'modified', 5],
          ['kubernetes.resource', 'checkout', 'deleted', 5],
        ]);
        const watch = fake.requests.find(r => r.query.get('watch') === 'true')!;
        expect(watch.path).toBe('/apis/apps/v1/namespaces/shop/deployments');
        expect(watch.query.get('labelSelector')).toBe('team=payments');
      } finally {
        await sources.stop();
      }
    });

    it('refuses a cluster without a usable URL', () => {
      expect(() =>
        readKubernetesSources(
          new ConfigReader({
            eventOrchestration: {
              sources: { kubernetes: [{ name: 'prod', url: 'k8s.local' }] },
            },
          }),
        ),
      ).toThrow(
        "eventOrchestration.sources.kubernetes[0].url 'k8s.local' must be an http(s) URL",
      );
      // @kubernetes/client-node refuses plain HTTP otherwise; say so at startup.
      expect(() =>
        readKubernetesSources(
          new ConfigReader({
            eventOrchestration: {
              sources: {
                kubernetes: [{ name: 'prod', url: 'http://k8s.local' }],
              },
            },
          }),
        ),
      ).toThrow('an http:// URL needs skipTLSVerify: true');
    });
  },
);
