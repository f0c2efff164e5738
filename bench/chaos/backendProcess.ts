/* eslint-disable no-console */
/**
 * One backend replica for the chaos run (bench/chaos/chaos.ts), as a child
 * process the orchestrator can `kill -9`: Backstage's test backend with the
 * event-orchestration plugin on a real database (PostgreSQL, or a SQLite file
 * where no PostgreSQL answers), the NATS bus, a generic webhook source with a
 * bearer token, and a sensor whose only step calls the chaos HTTP sink with
 * http:request (the run engine sends the step's Idempotency-Key).
 *
 * Env: CHAOS_NATS_URL, CHAOS_SINK_URL, CHAOS_PG_URL or
 * CHAOS_SQLITE_FILE, CHAOS_TOKEN. Prints `ready <port>` once it listens (the test backend picks a free port).
 */
import knexFactory from 'knex';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { eventOrchestrationPlugin } from '../../plugins/event-orchestration-backend/src/plugin';

/** The webhook source, the sensor and the bus the chaos run configures. */
export function chaosConfig(options: {
  natsUrl: string;
  sinkUrl: string;
  token: string;
  stream?: string;
}) {
  return {
    eventOrchestration: {
      bus: {
        nats: { servers: [options.natsUrl], stream: options.stream ?? 'CHAOS' },
      },
      sources: {
        webhooks: [
          {
            name: 'chaos',
            type: 'generic',
            eventType: 'ci.image.pushed',
            subjectPath: 'image',
            idPath: 'id',
            auth: { bearerToken: options.token },
          },
        ],
      },
      sensors: [
        {
          name: 'chaos-sink',
          dependencies: [
            {
              name: 'pushed',
              eventType: 'ci.image.pushed',
              filters: { data: [{ path: 'match', value: 'yes' }] },
            },
          ],
          workflow: {
            steps: [
              {
                id: 'notify',
                action: 'http:request',
                input: {
                  url: `${options.sinkUrl}/effects`,
                  method: 'POST',
                  body: { eventId: '${{ event.id }}', tag: '${{ event.data.tag }}' },
                  timeoutMs: 10_000,
                },
                retry: { attempts: 5, backoff: '1s' },
              },
            ],
          },
        },
      ],
    },
  };
}

async function main() {
  const knex = process.env.CHAOS_PG_URL
    ? knexFactory({ client: 'pg', connection: process.env.CHAOS_PG_URL, pool: { min: 0, max: 10 } })
    : knexFactory({
        client: 'better-sqlite3',
        connection: { filename: process.env.CHAOS_SQLITE_FILE! },
        useNullAsDefault: true,
      });
  const backend = await startTestBackend({
    features: [
      eventOrchestrationPlugin,
      catalogServiceMock.factory({ entities: [] }),
      mockServices.database.factory({ knex }),
      mockServices.rootConfig.factory({
        data: chaosConfig({
          natsUrl: process.env.CHAOS_NATS_URL!,
          sinkUrl: process.env.CHAOS_SINK_URL!,
          token: process.env.CHAOS_TOKEN!,
        }),
      }),
    ],
  });
  const address = backend.server.address() as { port: number };
  console.log(`ready ${address.port}`);
  process.on('SIGTERM', () => {
    backend.stop().finally(() => process.exit(0));
  });
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
