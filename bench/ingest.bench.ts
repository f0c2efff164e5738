/* eslint-disable no-console */
/**
 * Webhook ingest to durable, as a sender sees it: HTTP load from a second
 * process (autocannon) against a running backend with our plugin, until each
 * event is on the bus (the route answers 202 only then). Next to it, in the
 * same run, the ceiling: raw nats.js JetStream publish with msgID on the same
 * private nats-server.
 *
 * Rows: raw publish; webhook → NATS bus (also on an ingest-only replica);
 * webhook → embedded bus on a SQLite file; webhook → embedded bus on
 * PostgreSQL (when 127.0.0.1:5432 answers);
 * each also with BENCH_BATCH (20) events per request, as batching senders post.
 * Every run checks that each accepted request is on the bus afterwards. A row
 * with a route answering 202 without bus work (httpCeilingPlugin.ts) shows
 * what Backstage's HTTP stack allows.
 *
 * Run: yarn bench:ingest   (BENCH_SECONDS, BENCH_CONNECTIONS, BENCH_BATCH); its functions
 * also serve bench/load.bench.ts.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import knexFactory, { Knex } from 'knex';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import http from 'node:http';
import { ConfigReader } from '@backstage/config';
import { LoggerService } from '@backstage/backend-plugin-api';
import { NatsEventBus } from '../plugins/event-orchestration-backend/src/bus/NatsEventBus';
import {
  WebhookSources,
  readWebhookSources,
} from '../plugins/event-orchestration-backend/src/sources/webhookSources';
import { eventOrchestrationPlugin } from '../plugins/event-orchestration-backend/src/plugin';
import { startNatsServer } from '../plugins/event-orchestration-backend/src/__testUtils__/natsServer';
import { HTTP_CEILING_PLUGIN_ID, httpCeilingPlugin } from './httpCeilingPlugin';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const TOKEN = 'bench-token';

/** The generic webhook source every ingest row posts to (one event per request). */
export const CI_SOURCE = {
  name: 'ci',
  type: 'generic',
  eventType: 'ci.image.pushed',
  subjectPath: 'image',
  auth: { bearerToken: TOKEN },
};

/** The catalog entity the bench's events concern (their subject is its name). */
export const BENCH_ENTITY = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'my-awesome-app', namespace: 'default' },
  spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
};

/** One row of the table. */
export interface Row {
  what: string;
  rate: number;
  p50: number;
  p99: number;
  note?: string;
}

export function percentile(sorted: number[], p: number) {
  return sorted[
    Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))
  ];
}

/**
 * Raw nats.js: publish with msgID, `CONNECTIONS × 10` in flight, for SECONDS.
 * Each call its own stream (`stream`), so a second measurement's ids are not
 * dropped as duplicates of the first's.
 */
export async function rawPublish(url: string, stream = 'RAW'): Promise<Row> {
  const subject = `${stream.toLowerCase()}.ci`;
  const nc = await connect({ servers: [url] });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({
    name: stream,
    subjects: [`${stream.toLowerCase()}.>`],
  });
  const js = jetstream(nc);
  const latencies: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  let i = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS * 10 }, async () => {
      while (performance.now() < end) {
        const n = i++;
        const start = performance.now();
        await js.publish(
          subject,
          JSON.stringify({ image: 'my-awesome-app', tag: `v${n}` }),
          { msgID: `${stream}-${n}` },
        );
        latencies.push(performance.now() - start);
      }
    }),
  );
  await nc.drain();
  latencies.sort((a, b) => a - b);
  return {
    what: 'raw nats.js JetStream publish (msgID), in process',
    rate: latencies.length / SECONDS,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

/** Items per request of the batched rows (a `generic` source with `itemsPath: $`). */
export const BATCH = Number(process.env.BENCH_BATCH ?? 20);

/** A body of `items` unique items (autocannon puts one fresh id into every `[<id>]`). */
function batchBody(items: number) {
  return JSON.stringify(
    Array.from({ length: items }, (_, i) => ({
      image: 'my-awesome-app',
      tag: `[<id>]-${i}`,
    })),
  );
}

/**
 * autocannon in its own process against a generic webhook; unique bodies, so no
 * duplicates. `items` > 0 posts batches of that many items to the `ci-batch` source.
 */
export async function load(
  port: number,
  token = TOKEN,
  connections = CONNECTIONS,
  items = 0,
  pluginId = 'event-orchestration',
) {
  const bin = require.resolve('autocannon/autocannon.js');
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      bin,
      '--json',
      '-c',
      String(connections),
      '-d',
      String(SECONDS),
      '-m',
      'POST',
      '-H',
      'content-type=application/json',
      '-H',
      `authorization=Bearer ${token}`,
      '-I',
      '-b',
      items > 0
        ? batchBody(items)
        : '{"image":"my-awesome-app","tag":"[<id>]"}',
      `http://127.0.0.1:${port}/api/${pluginId}/webhooks/${
        items > 0 ? 'ci-batch' : 'ci'
      }`,
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const result = JSON.parse(stdout.trim().split('\n').pop()!);
  return {
    ok: result['2xx'] as number,
    rejected: result['4xx'] as number,
    // autocannon's `errors` include its `timeouts` (requests unanswered after 10 s).
    failed: (result.non2xx as number) + (result.errors as number),
    timeouts: result.timeouts as number,
    p50: result.latency.p50 as number,
    p99: result.latency.p99 as number,
  };
}

/** Events the sensor engine has stored, and those linked to the bench's entity. */
async function recorded(knex: Knex) {
  const count = async (query: Knex.QueryBuilder) =>
    Number((await query.count({ n: '*' }))[0].n);
  return {
    events: await count(knex('edo_events')),
    linked: await count(
      knex('edo_event_entities').where(
        'entity_ref',
        `component:default/${BENCH_ENTITY.metadata.name}`,
      ),
    ),
  };
}

export async function freePort(): Promise<number> {
  return new Promise(resolve => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A backend with our plugin and two generic webhook sources (one event per
 * request, and batches of `BATCH`), on the given bus and database. Rows: with
 * `httpCeiling`, Backstage's HTTP ceiling (a route in the same backend that
 * answers 202 with no bus work, see httpCeilingPlugin.ts); one event per
 * request; and with `batched`, `BATCH` events per request, counted in events.
 */
export async function webhookRows(
  what: string,
  knex: Knex,
  bus: object,
  countOnBus: () => Promise<number>,
  options: {
    httpCeiling?: boolean;
    batched?: boolean;
    ingestOnly?: boolean;
  } = {},
): Promise<Row[]> {
  const { httpCeiling = false, batched = false, ingestOnly = false } = options;
  const port = await freePort();
  const backend = await startTestBackend({
    features: [
      eventOrchestrationPlugin,
      httpCeilingPlugin,
      // The sensor engine links each event to the entity its subject names. The
      // catalog itself is not measured; without one every lookup fails and every
      // event is retried (as in production while the catalog is down).
      catalogServiceMock.factory({ entities: [BENCH_ENTITY] }),
      mockServices.database.factory({ knex }),
      mockServices.rootConfig.factory({
        data: {
          backend: { baseUrl: `http://127.0.0.1:${port}`, listen: { port } },
          eventOrchestration: {
            bus,
            // An ingest-only replica (docs/architecture.md, "Replica roles"):
            // another replica would evaluate and run what it accepts.
            ...(ingestOnly
              ? { sensorEngine: { enabled: false }, runs: { enabled: false } }
              : {}),
            sources: {
              webhooks: [
                CI_SOURCE,
                {
                  name: 'ci-batch',
                  type: 'generic',
                  eventType: 'ci.image.pushed',
                  subjectPath: 'image',
                  itemsPath: '$',
                  auth: { bearerToken: TOKEN },
                },
              ],
            },
          },
        },
      }),
    ],
  });
  try {
    const address = backend.server.address() as net.AddressInfo;
    const rows: Row[] = [];
    if (httpCeiling) {
      // What Backstage's HTTP stack allows here for one request, whatever the
      // route does after reading the body: the ceiling for one event per request.
      const ceiling = await load(
        address.port,
        TOKEN,
        CONNECTIONS,
        0,
        HTTP_CEILING_PLUGIN_ID,
      );
      rows.push({
        what: 'Backstage route answering 202, no bus work (HTTP ceiling, not the product)',
        rate: ceiling.ok / SECONDS,
        p50: ceiling.p50,
        p99: ceiling.p99,
        note: `${ceiling.ok} answered, ${ceiling.failed} failed`,
      });
    }
    const before = await countOnBus();
    const recordedBefore = await recorded(knex);
    const result = await load(address.port);
    const durable = (await countOnBus()) - before;
    const consumed = await recorded(knex);
    rows.push({
      what,
      rate: result.ok / SECONDS,
      p50: result.p50,
      p99: result.p99,
      note: `${result.ok} accepted, ${durable} on the bus, ${
        result.failed
      } failed; sensor engine had recorded ${
        consumed.events - recordedBefore.events
      } (${consumed.linked - recordedBefore.linked} linked to ${
        BENCH_ENTITY.metadata.name
      }) when the load stopped`,
    });
    if (batched) {
      const start = await countOnBus();
      const batches = await load(address.port, TOKEN, CONNECTIONS, BATCH);
      const stored = (await countOnBus()) - start;
      rows.push({
        what: `${what}, ${BATCH} events per request`,
        rate: (batches.ok * BATCH) / SECONDS,
        p50: batches.p50,
        p99: batches.p99,
        note: `${batches.ok} requests accepted (${
          batches.ok * BATCH
        } events), ${stored} on the bus, ${batches.failed} failed (${
          batches.timeouts
        } of them unanswered after 10 s)`,
      });
    }
    return rows;
  } finally {
    await backend.stop();
  }
}

/**
 * Not the product: the same webhook source code and NATS bus behind a plain
 * `node:http` server instead of Backstage's backend (Express, its middleware,
 * body parsing). It says what Backstage's HTTP stack costs on this machine.
 */
export async function bareHttpRow(natsUrl: string): Promise<Row> {
  const quiet: LoggerService = {
    info: () => {},
    warn: () => {},
    error: () => {},
    debug: () => {},
    child: () => quiet,
  };
  const logger = quiet;
  const bus = await NatsEventBus.connect(
    { servers: [natsUrl], stream: 'BENCH_BARE' },
    logger,
  );
  const sources = new WebhookSources(
    readWebhookSources(
      new ConfigReader({
        eventOrchestration: {
          sources: {
            webhooks: [CI_SOURCE],
          },
        },
      }),
    ),
  );
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', chunk => chunks.push(chunk));
    req.on('end', async () => {
      try {
        const events = sources.toEvents({
          sourceName: 'ci',
          headers: req.headers as Record<string, string>,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        await Promise.all(events.map(event => bus.publish(event)));
        res
          .writeHead(202, { 'content-type': 'application/json' })
          .end(JSON.stringify({ eventIds: events.map(e => e.id) }));
      } catch (error) {
        res.writeHead(400).end(String(error));
      }
    });
  });
  const port = await freePort();
  await new Promise<void>(resolve =>
    server.listen(port, '127.0.0.1', () => resolve()),
  );
  try {
    const result = await load(port);
    return {
      what: 'same source code and bus behind plain node:http (not the product)',
      rate: result.ok / SECONDS,
      p50: result.p50,
      p99: result.p99,
      note: `${result.ok} accepted, ${result.failed} failed`,
    };
  } finally {
    await new Promise(resolve => server.close(resolve));
    await bus.close();
  }
}

export async function postgresAvailable() {
  return new Promise<boolean>(resolve => {
    const socket = net.connect(5432, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

async function main() {
  const migrations = {
    directory: path.resolve(
      __dirname,
      '../plugins/event-orchestration-backend/migrations',
    ),
  };
  const rows: Row[] = [];
  const nats = await startNatsServer();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edo-bench-ingest-'));
  try {
    rows.push(await rawPublish(nats.url));

    // Webhook → NATS bus (the backend's own tables on a SQLite file).
    const natsKnex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: path.join(dir, 'nats.sqlite') },
      useNullAsDefault: true,
    });
    await natsKnex.migrate.latest(migrations);
    const nc = await connect({ servers: [nats.url] });
    const jsm = await jetstreamManager(nc);
    const streamMessages = async () => {
      try {
        return (await jsm.streams.info('BENCH_INGEST')).state.messages;
      } catch {
        return 0;
      }
    };
    rows.push(
      ...(await webhookRows(
        'webhook → NATS bus (HTTP, 2nd process)',
        natsKnex,
        { nats: { servers: [nats.url], stream: 'BENCH_INGEST' } },
        streamMessages,
        { httpCeiling: true, batched: true },
      )),
    );
    await jsm.streams.delete('BENCH_INGEST');
    rows.push(
      ...(await webhookRows(
        'webhook → NATS bus, ingest-only replica (sensor engine and runs off)',
        natsKnex,
        { nats: { servers: [nats.url], stream: 'BENCH_INGEST' } },
        streamMessages,
        { ingestOnly: true, batched: true },
      )),
    );
    // The bare row's bus makes its own stream on the same subjects.
    await jsm.streams.delete('BENCH_INGEST');
    rows.push(await bareHttpRow(nats.url));
    await nc.drain();
    await natsKnex.destroy();

    // Webhook → embedded bus on a SQLite file.
    const sqlite = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: path.join(dir, 'embedded.sqlite') },
      useNullAsDefault: true,
    });
    await sqlite.migrate.latest(migrations);
    const countMessages = (knex: Knex) => async () =>
      Number((await knex('edo_bus_messages').count({ n: '*' }))[0].n);
    rows.push(
      ...(await webhookRows(
        'webhook → embedded bus, SQLite file (HTTP, 2nd process)',
        sqlite,
        {},
        countMessages(sqlite),
        { batched: true },
      )),
    );
    await sqlite.destroy();

    if (await postgresAvailable()) {
      const database = `edo_bench_${Date.now()}`;
      const admin = knexFactory({
        client: 'pg',
        connection: 'postgresql://postgres@127.0.0.1:5432/postgres',
      });
      await admin.raw(`CREATE DATABASE ${database}`);
      const pg = knexFactory({
        client: 'pg',
        connection: `postgresql://postgres@127.0.0.1:5432/${database}`,
      });
      try {
        await pg.migrate.latest(migrations);
        rows.push(
          ...(await webhookRows(
            'webhook → embedded bus, PostgreSQL (HTTP, 2nd process)',
            pg,
            {},
            countMessages(pg),
            { batched: true },
          )),
        );
      } finally {
        await pg.destroy();
        await admin.raw(`DROP DATABASE ${database}`);
        await admin.destroy();
      }
    } else {
      console.log(
        'PostgreSQL not reachable at 127.0.0.1:5432: its row is left out',
      );
    }
    // The ceiling again at the end: it swings ±25 % between runs on this
    // machine, so ratios use the mean of the two measurements of this run.
    const rawAfter = await rawPublish(nats.url, 'RAW_AFTER');
    rows.push({
      ...rawAfter,
      what: `${rawAfter.what}, again at the end`,
    });
  } finally {
    await nats.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const ceiling = (rows[0].rate + rows[rows.length - 1].rate) / 2;
  console.log(
    `node ${process.version}, ${
      os.cpus().length
    } cores; ${SECONDS} s per row, ${CONNECTIONS} connections`,
  );
  console.log(
    `ratios are to the mean of the two raw publish rows: ${ceiling.toFixed(
      0,
    )}/s`,
  );
  console.log(
    '| what | events/s | p50 ms | p99 ms | ratio to raw publish | checked |',
  );
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const row of rows) {
    console.log(
      `| ${row.what} | ${row.rate.toFixed(0)} | ${row.p50.toFixed(
        1,
      )} | ${row.p99.toFixed(1)} | ${(row.rate / ceiling).toFixed(2)} | ${
        row.note ?? ''
      } |`,
    );
  }
  process.exit(0);
}

// Run directly (node bench/run.js bench/ingest.bench.ts), not when imported by load.bench.ts.
if (process.argv[2] && path.resolve(process.argv[2]) === __filename) {
  main().catch(error => {
    console.error(error);
    process.exit(1);
  });
}
