/* eslint-disable no-console */
/**
 * Publish throughput of our buses next to the raw nats.js JetStream ceiling,
 * measured in the same run on a private nats-server:
 *
 * - raw nats.js: js.publish with msgID, N in flight, and durable consume + ack;
 * - NatsEventBus.publish (what the webhook route awaits), same concurrency;
 * - NatsEventBus end to end: publish until a subscriber has handled every event;
 * - EmbeddedEventBus.publish on a SQLite file.
 *
 * Run: yarn bench:bus   (BENCH_MESSAGES, BENCH_IN_FLIGHT)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import knexFactory from 'knex';
import { LoggerService } from '@backstage/backend-plugin-api';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { OrchestrationEvent } from '@edo/plugin-event-orchestration-common';
import {
  EmbeddedEventBus,
  NatsEventBus,
} from '../plugins/event-orchestration-backend/src/bus';
import { startNatsServer } from '../plugins/event-orchestration-backend/src/__testUtils__/natsServer';

const N = Number(process.env.BENCH_MESSAGES ?? 20_000);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 500);
const silent: LoggerService = {
  error() {},
  warn() {},
  info() {},
  debug() {},
  child: () => silent,
};

const event = (i: number, run: string): OrchestrationEvent => ({
  specversion: '1.0',
  id: `${run}-${i}`,
  source: '/bench',
  type: 'bench.event',
  time: new Date().toISOString(),
  data: { image: 'my-awesome-app', tag: `v1.${i}.0` },
});

/** Runs `task(i)` for i < n with at most `limit` in flight; returns seconds. */
async function pool(
  n: number,
  limit: number,
  task: (i: number) => Promise<unknown>,
) {
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < n) await task(next++);
    }),
  );
  return (performance.now() - start) / 1000;
}

async function main() {
  const nats = await startNatsServer();
  const rows: Array<[string, number]> = [];
  try {
    // Raw ceiling
    const nc = await connect({ servers: [nats.url] });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'RAW', subjects: ['raw.>'] });
    await jsm.consumers.add('RAW', {
      durable_name: 'raw',
      ack_policy: AckPolicy.Explicit,
    });
    const js = jetstream(nc);
    const payload = JSON.stringify(event(0, 'raw'));
    const rawPublish = await pool(N, IN_FLIGHT, i =>
      js.publish('raw.bench', payload, { msgID: `raw-${i}` }),
    );
    rows.push(['raw nats.js publish (msgID)', N / rawPublish]);
    const consumer = await js.consumers.get('RAW', 'raw');
    let consumed = 0;
    const start = performance.now();
    const messages = await consumer.consume({ max_messages: 1000 });
    for await (const m of messages) {
      m.json();
      m.ack();
      if (++consumed === N) break;
    }
    rows.push([
      'raw nats.js consume + ack',
      N / ((performance.now() - start) / 1000),
    ]);
    await nc.drain().catch(() => {});

    // Our NATS bus
    const bus = await NatsEventBus.connect(
      { servers: [nats.url], stream: 'BENCH' },
      silent,
    );
    let handled = 0;
    let allHandled: () => void = () => {};
    const done = new Promise<void>(r => (allHandled = r));
    const sub = await bus.subscribe('bench', async () => {
      if (++handled === N) allHandled();
    });
    const e2eStart = performance.now();
    const busPublish = await pool(N, IN_FLIGHT, i =>
      bus.publish(event(i, 'nats')),
    );
    rows.push(['NatsEventBus.publish', N / busPublish]);
    await done;
    rows.push([
      'NatsEventBus publish → handled',
      N / ((performance.now() - e2eStart) / 1000),
    ]);
    await sub.close();
    await bus.close();

    // Embedded bus on SQLite
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edo-bench-bus-'));
    const knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: path.join(dir, 'bus.sqlite') },
      useNullAsDefault: true,
    });
    await knex.migrate.latest({
      directory: path.resolve(
        __dirname,
        '../plugins/event-orchestration-backend/migrations',
      ),
    });
    const embedded = new EmbeddedEventBus(knex, silent);
    const embeddedN = Math.min(N, 5000);
    const embeddedTime = await pool(embeddedN, 50, i =>
      embedded.publish(event(i, 'embedded')),
    );
    rows.push([
      'EmbeddedEventBus.publish (SQLite file)',
      embeddedN / embeddedTime,
    ]);
    await knex.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  } finally {
    await nats.cleanup();
  }

  const ceiling = rows[0][1];
  console.log(
    `node ${process.version}, ${
      os.cpus().length
    } cores; ${N} messages, ${IN_FLIGHT} in flight`,
  );
  console.log('| what | msgs/s | ratio to raw publish |');
  console.log('| --- | --- | --- |');
  for (const [what, rate] of rows)
    console.log(
      `| ${what} | ${rate.toFixed(0)} | ${(rate / ceiling).toFixed(2)} |`,
    );
  process.exit(0);
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
