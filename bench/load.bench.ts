/* eslint-disable no-console */
/**
 * The load figures of issue #8 in one table, each next to the raw nats.js
 * JetStream ceiling measured in the same run on the same private nats-server:
 *
 * 1. webhook ingest events/s (autocannon in a second process): NATS bus;
 *    embedded bus on a SQLite file and on PostgreSQL — bench/ingest.bench.ts;
 * 2. sensor evaluation events/s at 1, 100 and 1,000 sensors —
 *    bench/sensorEngine.bench.ts;
 * 3. webhook → run started, p50/p99, at a fixed 1,000 events/s from a second
 *    process (bench/rateSender.ts) to a backend process on NATS + PostgreSQL
 *    whose sensor matches every event: from the send time in the body to the
 *    run's `created_at` (the sensor's decision) and `started_at` (the run
 *    engine began it), read from the database afterwards;
 * 4. two-replica scale-out: webhook events/s and end-to-end handled events/s
 *    of two backend processes sharing NATS + PostgreSQL against one.
 *
 * Run: yarn bench:all   (BENCH_SECONDS, BENCH_CONNECTIONS as for ingest;
 * BENCH_LATENCY_RATE, BENCH_LATENCY_SECONDS)
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import knexFactory, { Knex } from 'knex';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { startNatsServer } from '../plugins/event-orchestration-backend/src/__testUtils__/natsServer';
import {
  load,
  percentile,
  postgresAvailable,
  rawPublish,
  webhookRows,
  BATCH,
  CI_SOURCE,
} from './ingest.bench';
import { evaluation } from './sensorEngine.bench';
import { Replica } from './replica';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const LATENCY_RATE = Number(process.env.BENCH_LATENCY_RATE ?? 1000);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 10);
const TOKEN = 'bench-token';
const MIGRATIONS = path.resolve(
  __dirname,
  '../plugins/event-orchestration-backend/migrations',
);

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const progress = (message: string) => console.error(`[load] ${message}`);

interface TableRow {
  what: string;
  ours: string;
  target: string;
  raw: string;
  ratio: string;
  note: string;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** Raw nats.js publishes paced at `rate`/s for `seconds`: publish → ack latency, the floor for the latency row. */
async function rawPacedLatency(url: string, rate: number, seconds: number) {
  const nc = await connect({ servers: [url] });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: 'RAW_PACED', subjects: ['rawpaced.>'] });
  const js = jetstream(nc);
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  const start = performance.now();
  const total = rate * seconds;
  let sent = 0;
  await new Promise<void>(resolve => {
    const timer = setInterval(() => {
      const due = Math.min(
        total,
        Math.floor(((performance.now() - start) / 1000) * rate),
      );
      while (sent < due) {
        const n = sent++;
        const t0 = performance.now();
        pending.push(
          js
            .publish(
              'rawpaced.ci',
              JSON.stringify({ image: 'my-awesome-app', tag: `v${n}` }),
              { msgID: `p-${n}` },
            )
            .then(() => void latencies.push(performance.now() - t0)),
        );
      }
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 2);
  });
  await Promise.all(pending);
  await nc.drain();
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/** Streams of one server may not share subjects (all use `edo.events.>`): each part deletes its own. */
async function deleteStream(url: string, stream: string) {
  const nc = await connect({ servers: [url] });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(stream).catch(() => false);
  await nc.drain();
}

/** A fresh PostgreSQL database, migrated; dropped by `drop()`. */
async function freshPostgres(name: string) {
  const database = `edo_load_${name}_${Date.now()}`;
  const admin = knexFactory({
    client: 'pg',
    connection: 'postgresql://postgres@127.0.0.1:5432/postgres',
  });
  await admin.raw(`CREATE DATABASE ${database}`);
  const url = `postgresql://postgres@127.0.0.1:5432/${database}`;
  const knex = knexFactory({ client: 'pg', connection: url });
  await knex.migrate.latest({ directory: MIGRATIONS });
  return {
    url,
    knex,
    drop: async () => {
      await knex.destroy();
      await admin.raw(`DROP DATABASE ${database}`);
      await admin.destroy();
    },
  };
}

/** App-config of a backend replica: NATS bus, the `ci` webhook source, one sensor. */
function replicaConfig(
  natsUrl: string,
  stream: string,
  sensorMatches: 'yes' | 'never',
) {
  return {
    eventOrchestration: {
      bus: { nats: { servers: [natsUrl], stream } },
      sources: {
        webhooks: [CI_SOURCE],
      },
      sensors: [
        {
          name: 'on-push',
          dependencies: [
            {
              name: 'pushed',
              eventType: 'ci.image.pushed',
              filters: { data: [{ path: 'match', value: sensorMatches }] },
            },
          ],
          workflow: {
            steps: [
              {
                id: 'log',
                action: 'log',
                input: { message: 'pushed ${{ event.data.image }}' },
              },
            ],
          },
        },
      ],
    },
  };
}

async function startReplicas(
  count: number,
  config: object,
  pgUrl: string,
  dir: string,
) {
  const replicas = Array.from(
    { length: count },
    (_, i) =>
      new Replica(`replica-${i}`, {
        config,
        database: { pgUrl },
        logFile: path.join(dir, `replica-${i}.log`),
      }),
  );
  // One after the other: the first creates the stream and the durable consumer.
  for (const r of replicas) await r.start();
  return replicas;
}

/** Webhook → run started at a fixed rate, from a second process. */
export async function latencyRow(natsUrl: string, dir: string, rate: number) {
  const pg = await freshPostgres(`latency${rate}`);
  const [replica] = await startReplicas(
    1,
    replicaConfig(natsUrl, 'LOAD_LATENCY', 'yes'),
    pg.url,
    dir,
  );
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [path.join(__dirname, 'run.js'), path.join(__dirname, 'rateSender.ts')],
      {
        env: {
          ...process.env,
          RATE_URL: `${replica.url}/api/event-orchestration/webhooks/ci`,
          RATE_TOKEN: TOKEN,
          RATE: String(rate),
          RATE_SECONDS: String(LATENCY_SECONDS),
          RATE_TAG: `lat-${Date.now()}`,
        },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const sender = JSON.parse(stdout.trim().split('\n').pop()!);
    // Wait until every accepted event has its run started (or 120 s).
    const deadline = Date.now() + 120_000;
    for (;;) {
      const [{ n }] = await pg
        .knex('edo_runs')
        .whereNotNull('started_at')
        .count({ n: '*' });
      if (Number(n) >= sender.accepted || Date.now() > deadline) break;
      await sleep(500);
    }
    const runs: Array<{
      trigger_event_ids: string;
      created_at: Date;
      started_at: Date | null;
    }> = await pg
      .knex('edo_runs')
      .select('trigger_event_ids', 'created_at', 'started_at');
    const events: Array<{ id: string; envelope: string }> = await pg
      .knex('edo_events')
      .where('type', 'ci.image.pushed')
      .select('id', 'envelope');
    const sentAt = new Map(
      events.map(e => [e.id, Number(JSON.parse(e.envelope).data.sentAt)]),
    );
    const toCreated: number[] = [];
    const toStarted: number[] = [];
    let firstSent = Infinity;
    let lastStarted = 0;
    for (const run of runs) {
      const sent = sentAt.get(JSON.parse(run.trigger_event_ids)[0]);
      if (sent === undefined) continue;
      firstSent = Math.min(firstSent, sent);
      toCreated.push(new Date(run.created_at).getTime() - sent);
      if (run.started_at) {
        toStarted.push(new Date(run.started_at).getTime() - sent);
        lastStarted = Math.max(lastStarted, new Date(run.started_at).getTime());
      }
    }
    toCreated.sort((a, b) => a - b);
    toStarted.sort((a, b) => a - b);
    return {
      sender,
      runs: runs.length,
      started: toStarted.length,
      /** Runs started per second from the first send to the last start: what the backend sustained. */
      sustained: toStarted.length / ((lastStarted - firstSent) / 1000),
      created: {
        p50: percentile(toCreated, 50),
        p99: percentile(toCreated, 99),
      },
      startedAt: {
        p50: percentile(toStarted, 50),
        p99: percentile(toStarted, 99),
      },
    };
  } finally {
    await replica.stop();
    await pg.drop();
    await deleteStream(natsUrl, 'LOAD_LATENCY');
  }
}

/**
 * Replicas sharing NATS + PostgreSQL, one autocannon process per replica
 * (the connections split between them) for SECONDS: accepted/s at the
 * webhook, and end to end — events stored by the sensor engines per second
 * from the start of the load until the last accepted one is stored.
 */
async function scaleOut(count: number, natsUrl: string, dir: string) {
  const pg = await freshPostgres(`scale${count}`);
  const replicas = await startReplicas(
    count,
    replicaConfig(natsUrl, `LOAD_SCALE${count}`, 'never'),
    pg.url,
    dir,
  );
  try {
    const start = performance.now();
    const results = await Promise.all(
      replicas.map(r =>
        load(r.port, TOKEN, Math.max(1, Math.round(CONNECTIONS / count))),
      ),
    );
    const accepted = results.reduce((sum, r) => sum + r.ok, 0);
    const failed = results.reduce((sum, r) => sum + r.failed, 0);
    const deadline = Date.now() + 180_000;
    let stored = 0;
    for (;;) {
      const [{ n }] = await pg.knex('edo_events').count({ n: '*' });
      stored = Number(n);
      if (stored >= accepted || Date.now() > deadline) break;
      await sleep(200);
    }
    const endToEnd = stored / ((performance.now() - start) / 1000);
    return { ingest: accepted / SECONDS, endToEnd, accepted, stored, failed };
  } finally {
    await Promise.all(replicas.map(r => r.stop()));
    await pg.drop();
    await deleteStream(natsUrl, `LOAD_SCALE${count}`);
  }
}

async function main() {
  const started = Date.now();
  if (!(await postgresAvailable())) {
    throw new Error(
      'bench:all needs PostgreSQL at 127.0.0.1:5432 (the latency and scale-out rows run on it)',
    );
  }
  const nats = await startNatsServer();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edo-bench-load-'));
  const rows: TableRow[] = [];
  try {
    progress('raw nats.js JetStream publish ceiling');
    const raw = await rawPublish(nats.url);
    const rawRate = `${fmt(raw.rate)}/s`;
    const ratio = (n: number) => (n / raw.rate).toFixed(2);

    // 1. Ingest
    progress('ingest: webhook → NATS bus');
    const natsKnex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: path.join(dir, 'nats.sqlite') },
      useNullAsDefault: true,
    });
    await natsKnex.migrate.latest({ directory: MIGRATIONS });
    const nc = await connect({ servers: [nats.url] });
    const jsm = await jetstreamManager(nc);
    const [natsRow, natsBatchRow] = await webhookRows(
      'webhook → NATS bus',
      natsKnex,
      { nats: { servers: [nats.url], stream: 'LOAD_INGEST' } },
      async () => {
        try {
          return (await jsm.streams.info('LOAD_INGEST')).state.messages;
        } catch {
          return 0;
        }
      },
      { batched: true },
    );
    await jsm.streams.delete('LOAD_INGEST');
    await nc.drain();
    await natsKnex.destroy();
    for (const [what, row] of [
      ['ingest: webhook → NATS bus, 1 event per request, events/s', natsRow],
      [
        `ingest: webhook → NATS bus, ${BATCH} events per request, events/s`,
        natsBatchRow,
      ],
    ] as const) {
      const met = row.rate >= 5000 && row.rate >= 0.5 * raw.rate;
      rows.push({
        what,
        ours: fmt(row.rate),
        target: '≥ 5,000 and ≥ 0.50 × raw',
        raw: rawRate,
        ratio: ratio(row.rate),
        note: `${
          met
            ? 'met'
            : `missed: ${[
                row.rate < 5000
                  ? `${fmt(5000 - row.rate)}/s short of 5,000`
                  : '5,000/s met',
                row.rate < 0.5 * raw.rate
                  ? `${(0.5 - row.rate / raw.rate).toFixed(
                      2,
                    )} short of 0.50 × raw`
                  : '',
              ]
                .filter(Boolean)
                .join(', ')}`
        }; p50 ${row.p50.toFixed(0)} ms, p99 ${row.p99.toFixed(0)} ms; ${
          row.note
        }`,
      });
    }

    const countMessages = (knex: Knex) => async () =>
      Number((await knex('edo_bus_messages').count({ n: '*' }))[0].n);
    progress('ingest: webhook → embedded bus, SQLite file');
    const sqlite = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: path.join(dir, 'embedded.sqlite') },
      useNullAsDefault: true,
    });
    await sqlite.migrate.latest({ directory: MIGRATIONS });
    const [sqliteRow] = await webhookRows(
      'embedded SQLite',
      sqlite,
      {},
      countMessages(sqlite),
    );
    await sqlite.destroy();
    progress('ingest: webhook → embedded bus, PostgreSQL');
    const pgIngest = await freshPostgres('ingest');
    const [pgRow] = await webhookRows(
      'embedded PostgreSQL',
      pgIngest.knex,
      {},
      countMessages(pgIngest.knex),
    );
    await pgIngest.drop();
    for (const [what, row] of [
      ['ingest: webhook → embedded bus (SQLite file), events/s', sqliteRow],
      ['ingest: webhook → embedded bus (PostgreSQL), events/s', pgRow],
    ] as const) {
      rows.push({
        what,
        ours: fmt(row.rate),
        target: '≥ 1,000',
        raw: rawRate,
        ratio: ratio(row.rate),
        note: `${
          row.rate >= 1000 ? 'met' : `missed by ${fmt(1000 - row.rate)}/s`
        }; p50 ${row.p50.toFixed(0)} ms, p99 ${row.p99.toFixed(0)} ms; ${
          row.note
        }`,
      });
    }

    // 2. Sensor evaluation
    progress('sensor evaluation at 1, 100, 1,000 sensors');
    await evaluation(100, 2_000); // warm-up (JIT, CEL compile cache)
    for (const n of [1, 100, 1000]) {
      const r = await evaluation(n, 20_000);
      rows.push({
        what: `sensor evaluation, ${fmt(n)} sensor${
          n > 1 ? 's' : ''
        } (${Math.ceil(n / 20)} candidate${n > 20 ? 's' : ''}/event), events/s`,
        ours: fmt(r.rate),
        target: n === 1000 ? '≥ 20,000' : '—',
        raw: rawRate,
        ratio: ratio(r.rate),
        note: `${
          n === 1000
            ? r.rate >= 20000
              ? 'met; '
              : `missed by ${fmt(20000 - r.rate)}/s; `
            : ''
        }p50 ${(r.p50 * 1000).toFixed(1)} µs, p99 ${(r.p99 * 1000).toFixed(
          1,
        )} µs per event`,
      });
    }

    // 3. Webhook → run started at a fixed rate
    // At the rate asked for, and at a tenth of it (what one event costs when nothing queues).
    for (const rate of [LATENCY_RATE, Math.round(LATENCY_RATE / 10)]) {
      progress(`webhook → run started at ${rate}/s for ${LATENCY_SECONDS} s`);
      const rawLatency = await rawPacedLatency(
        nats.url,
        rate,
        Math.min(5, LATENCY_SECONDS),
      );
      const latency = await latencyRow(nats.url, dir, rate);
      rows.push({
        what: `webhook → run started at ${fmt(
          rate,
        )} events/s (NATS + PostgreSQL, 1 backend), p50 / p99 ms`,
        ours: `${fmt(latency.startedAt.p50)} / ${fmt(latency.startedAt.p99)}`,
        target: '—',
        raw: `${rawLatency.p50.toFixed(1)} / ${rawLatency.p99.toFixed(
          1,
        )} ms (publish → ack at the same rate)`,
        ratio: '—',
        note: `sent ${fmt(latency.sender.sent)} at ${fmt(
          latency.sender.rate,
        )}/s, ${fmt(
          latency.sender.accepted,
        )} accepted (202 p50 ${latency.sender.p50.toFixed(
          0,
        )} ms, p99 ${latency.sender.p99.toFixed(0)} ms); ${fmt(
          latency.runs,
        )} runs, ${fmt(latency.started)} started, sustained ${fmt(
          latency.sustained,
        )} runs started/s; send → run row created p50 ${fmt(
          latency.created.p50,
        )} ms, p99 ${fmt(latency.created.p99)} ms`,
      });
    }

    // 4. Scale-out
    progress('scale-out: one replica');
    const one = await scaleOut(1, nats.url, dir);
    progress('scale-out: two replicas');
    const two = await scaleOut(2, nats.url, dir);
    rows.push({
      what: 'scale-out: webhook events/s, 1 → 2 backend processes (NATS + PostgreSQL)',
      ours: `${fmt(one.ingest)} → ${fmt(two.ingest)} (× ${(
        two.ingest / one.ingest
      ).toFixed(2)})`,
      target: '—',
      raw: rawRate,
      ratio: `${ratio(one.ingest)} → ${ratio(two.ingest)}`,
      note: `${fmt(one.accepted)} / ${fmt(two.accepted)} accepted, ${
        one.failed
      } / ${two.failed} failed`,
    });
    rows.push({
      what: 'scale-out: end to end (webhook → stored with its verdict), events/s, 1 → 2',
      ours: `${fmt(one.endToEnd)} → ${fmt(two.endToEnd)} (× ${(
        two.endToEnd / one.endToEnd
      ).toFixed(2)})`,
      target: '—',
      raw: rawRate,
      ratio: `${ratio(one.endToEnd)} → ${ratio(two.endToEnd)}`,
      note: `${fmt(one.stored)} / ${fmt(two.stored)} stored`,
    });
  } finally {
    await nats.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  }

  console.log(
    `\n${new Date().toISOString().slice(0, 10)}; node ${process.version}; ${
      os.cpus().length
    } cores (${
      os.cpus()[0]?.model ?? ''
    }); ${SECONDS} s per ingest row, ${CONNECTIONS} connections; took ${Math.round(
      (Date.now() - started) / 1000,
    )} s`,
  );
  console.log(
    '| what | ours | target | raw nats.js JetStream, same run | ours ÷ raw | notes |',
  );
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of rows)
    console.log(
      `| ${r.what} | ${r.ours} | ${r.target} | ${r.raw} | ${r.ratio} | ${r.note} |`,
    );
  process.exit(0);
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
