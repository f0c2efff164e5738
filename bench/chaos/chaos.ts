/* eslint-disable no-console */
/**
 * Chaos run (issue #8): the NATS bus, two backend processes sharing one
 * PostgreSQL database (a SQLite file where no PostgreSQL answers on
 * 127.0.0.1:5432 — said so in the output), and a stream of webhook events of
 * which every third matches a sensor whose http:request step calls a local
 * sink with the run engine's Idempotency-Key. Meanwhile:
 *
 * - one backend process is `kill -9`ed at random moments and restarted;
 * - nats-server is restarted in the middle of a burst;
 * - every webhook is sent twice (half of them concurrently, to both replicas
 *   or to the same one; the other half a few seconds apart);
 * - for a period the sink is slow and answers 20 % of requests with 503.
 *
 * The sender follows the webhook contract: a 5xx answer or a connection error
 * is retried (and counted); 202 means the event is durable. At the end the run
 * waits until quiet and checks, with SQL on the shared database and the
 * sink's records, that every accepted event is stored exactly once, every
 * expected run exists exactly once and is terminal (and succeeded), every sink
 * effect happened exactly once per idempotency key, and nothing accepted was
 * lost. Exit code 1 when a check fails.
 *
 * Run: yarn bench:chaos          (long: 2,000 events, 12 kills, 2 NATS restarts; ~4 min)
 *      yarn bench:chaos:short    (or --short, CHAOS_SHORT=1: 300 events, 3 kills,
 *                                 1 NATS restart; 1.5–2 min; scripts/run-tests.js runs it)
 * Results and a long run's figures: docs/benchmarks.md.
 * Env: CHAOS_EVENTS, CHAOS_KILLS, CHAOS_SECONDS (sending time), CHAOS_NATS_DOWN_MS, CHAOS_REPORT
 *      (write the checks and figures as JSON there), CHAOS_KEEP=1 (keep the
 *      database and logs), CHAOS_SQLITE=1 (the SQLite fallback even where
 *      PostgreSQL answers).
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { Knex } from 'knex';
import { mockCredentials } from '@backstage/backend-test-utils';
import { startNatsServer } from '../../plugins/event-orchestration-backend/src/__testUtils__/natsServer';
import { Replica, SharedDatabase } from '../replica';

const SHORT =
  process.env.CHAOS_SHORT === '1' || process.argv.includes('--short');
const EVENTS = Number(process.env.CHAOS_EVENTS ?? (SHORT ? 300 : 2000));
const KILLS = Number(process.env.CHAOS_KILLS ?? (SHORT ? 3 : 12));
const NATS_RESTARTS = SHORT ? 1 : 2;
const SEND_SECONDS = Number(process.env.CHAOS_SECONDS ?? (SHORT ? 45 : 200));
/** After sending: how long the system may take to settle (run leases and NATS ack_wait are 60 s). */
const QUIET_DEADLINE_S = SHORT ? 150 : 300;
/** How long nats-server stays down at each restart. */
const NATS_DOWN_MS = Number(process.env.CHAOS_NATS_DOWN_MS ?? 8000);
const TOKEN = 'chaos-token';
const MIGRATIONS = path.resolve(
  __dirname,
  '../../plugins/event-orchestration-backend/migrations',
);

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const started = Date.now();
const log = (message: string) =>
  console.log(
    `[chaos +${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`,
  );

async function postgresAvailable() {
  return new Promise<boolean>(resolve => {
    const socket = net.connect(5432, '127.0.0.1');
    socket.setTimeout(1000, () => (socket.destroy(), resolve(false)));
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/**
 * The receiving end of the sensor's http:request: an idempotent receiver, as
 * the Idempotency-Key header asks for. It applies an effect the first time it
 * answers 2xx for a key and records every request per key, so the checks can
 * see keys that name two different events or events reached under two keys.
 */
async function startChaosSink() {
  const perKey = new Map<
    string,
    { eventIds: Set<string>; ok: number; failed: number }
  >();
  const applied = new Map<string, string>(); // key → event id of the applied effect
  let requests = 0;
  let injected5xx = 0;
  let withoutKey = 0;
  let chaos = false;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      requests++;
      const key = String(req.headers['idempotency-key'] ?? '');
      let eventId = '';
      try {
        eventId = String(
          JSON.parse(Buffer.concat(chunks).toString('utf8')).eventId ?? '',
        );
      } catch {
        // an unreadable body is recorded under an empty event id
      }
      if (!key) {
        withoutKey++;
        res.writeHead(400).end('Idempotency-Key missing');
        return;
      }
      const entry = perKey.get(key) ?? {
        eventIds: new Set(),
        ok: 0,
        failed: 0,
      };
      perKey.set(key, entry);
      entry.eventIds.add(eventId);
      const fail = chaos && Math.random() < 0.2;
      const delay = chaos ? 200 + Math.random() * 800 : 0;
      setTimeout(() => {
        if (fail) {
          injected5xx++;
          entry.failed++;
          res
            .writeHead(503, { 'content-type': 'application/json' })
            .end('{"error":"chaos"}');
          return;
        }
        entry.ok++;
        const duplicate = applied.has(key);
        if (!duplicate) applied.set(key, eventId);
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ applied: !duplicate }));
      }, delay);
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    perKey,
    applied,
    stats: () => ({ requests, injected5xx, withoutKey }),
    setChaos(on: boolean) {
      chaos = on;
    },
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The webhook source, the sensor and the bus the chaos run configures. */
function chaosConfig(options: {
  natsUrl: string;
  sinkUrl: string;
  token: string;
  stream?: string;
}) {
  return {
    eventOrchestration: {
      // The sink listens on loopback, refused unless allowed.
      actions: { http: { allowedCidrs: ['127.0.0.1/32'] } },
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
                  body: {
                    eventId: '${{ event.id }}',
                    tag: '${{ event.data.tag }}',
                  },
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

interface SendFigures {
  requests: number;
  accepted: number;
  rejected5xx: number;
  connectionErrors: number;
  other4xx: number;
  gaveUp: number;
}

/**
 * The sender's side of the contract: POST until 2xx; 5xx and connection
 * errors are retried (the first target, then the other replica); 4xx is final.
 */
async function send(
  replicas: Replica[],
  first: number,
  body: string,
  figures: SendFigures,
): Promise<boolean> {
  const deadline = Date.now() + 180_000;
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    const replica = replicas[(first + attempt) % replicas.length];
    figures.requests++;
    try {
      const response = await fetch(
        `http://127.0.0.1:${replica.port}/api/event-orchestration/webhooks/chaos`,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${TOKEN}`,
          },
          body,
          signal: AbortSignal.timeout(15_000),
        },
      );
      await response.arrayBuffer();
      if (response.status >= 200 && response.status < 300) {
        figures.accepted++;
        return true;
      }
      if (response.status >= 500) {
        figures.rejected5xx++;
      } else {
        figures.other4xx++;
        log(`webhook answered ${response.status}: not retried`);
        return false;
      }
    } catch {
      figures.connectionErrors++;
    }
    await sleep(Math.min(2000, 100 * 2 ** Math.min(attempt, 5)));
  }
  figures.gaveUp++;
  return false;
}

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

async function main() {
  // CHAOS_SQLITE=1 takes the fallback on purpose (to try it where PostgreSQL runs).
  const usePostgres =
    process.env.CHAOS_SQLITE !== '1' && (await postgresAvailable());
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'edo-chaos-'));
  const database = `edo_chaos_${Date.now()}`;
  let admin: Knex | undefined;
  let knex: Knex;
  let shared: SharedDatabase;
  if (usePostgres) {
    admin = knexFactory({
      client: 'pg',
      connection: 'postgresql://postgres@127.0.0.1:5432/postgres',
    });
    await admin.raw(`CREATE DATABASE ${database}`);
    shared = { pgUrl: `postgresql://postgres@127.0.0.1:5432/${database}` };
    knex = knexFactory({ client: 'pg', connection: shared.pgUrl });
    log(`database: PostgreSQL ${database} shared by both replicas`);
  } else {
    shared = { sqliteFile: path.join(work, 'chaos.sqlite') };
    knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: shared.sqliteFile },
      useNullAsDefault: true,
    });
    log(
      `database: ${
        process.env.CHAOS_SQLITE === '1'
          ? 'CHAOS_SQLITE=1'
          : 'NO PostgreSQL at 127.0.0.1:5432'
      } — falling back to one SQLite file shared by both replicas`,
    );
  }
  // Migrated once here, so the replicas' own migrate.latest has nothing to race for.
  await knex.migrate.latest({ directory: MIGRATIONS });

  const nats = await startNatsServer();
  const sink = await startChaosSink();
  const config = chaosConfig({
    natsUrl: nats.url,
    sinkUrl: sink.url,
    token: TOKEN,
  });
  const replicas = ['backend-a', 'backend-b'].map(
    name =>
      new Replica(name, {
        config,
        database: shared,
        logFile: path.join(work, `${name}.log`),
        log,
      }),
  );
  // One at a time: the first start creates the stream and the durable consumer.
  await replicas[0].start();
  await replicas[1].start();
  log(
    `replicas up on ports ${replicas.map(r => r.port).join(', ')}; nats ${
      nats.url
    }; sink ${sink.url}`,
  );

  const runTag = Date.now().toString(36);
  const eventIds: string[] = [];
  const matching = new Set<string>();
  const bodies: string[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const id = `${runTag}-${i}`;
    const match = i % 3 === 0;
    eventIds.push(`chaos-${id}`);
    if (match) matching.add(`chaos-${id}`);
    bodies.push(
      JSON.stringify({
        id,
        image: `app-${i % 10}`,
        tag: `v1.${i}`,
        match: match ? 'yes' : 'no',
      }),
    );
  }

  const figures: SendFigures = {
    requests: 0,
    accepted: 0,
    rejected5xx: 0,
    connectionErrors: 0,
    other4xx: 0,
    gaveUp: 0,
  };
  const acceptedEvents = new Set<string>();
  let natsRestarts = 0;
  let natsDownMs = 0;
  const sendStart = Date.now();
  const at = (fraction: number) => sendStart + fraction * SEND_SECONDS * 1000;

  // Events go out at an even pace, except for bursts (events sent all at once)
  // in the middle of which nats-server restarts.
  const burstAt = Array.from(
    { length: NATS_RESTARTS },
    (_, k) => (k + 1) / (NATS_RESTARTS + 1),
  );
  const burstSize = Math.max(20, Math.round(EVENTS * 0.05));
  const schedule: number[] = bodies.map((_, i) => at(i / EVENTS));
  for (const fraction of burstAt) {
    const from = Math.floor(fraction * EVENTS);
    for (let i = from; i < Math.min(EVENTS, from + burstSize); i++)
      schedule[i] = at(fraction);
  }

  const sends: Promise<void>[] = [];
  const sendEvent = async (i: number) => {
    const wait = schedule[i] - Date.now();
    if (wait > 0) await sleep(wait);
    const body = bodies[i];
    const mode = i % 4;
    const record = (ok: boolean) => {
      if (ok) acceptedEvents.add(eventIds[i]);
    };
    if (mode === 0) {
      // Twice at once, one to each replica.
      await Promise.all([
        send(replicas, 0, body, figures),
        send(replicas, 1, body, figures),
      ]).then(r => r.forEach(record));
    } else if (mode === 1) {
      // Twice at once to the same replica.
      await Promise.all([
        send(replicas, i % 2, body, figures),
        send(replicas, i % 2, body, figures),
      ]).then(r => r.forEach(record));
    } else {
      // Once, then again a few seconds later to the other replica (a sender's re-send).
      record(await send(replicas, i % 2, body, figures));
      await sleep(1000 + Math.random() * 5000);
      record(await send(replicas, (i + 1) % 2, body, figures));
    }
  };
  for (let i = 0; i < EVENTS; i++) sends.push(sendEvent(i));

  // The chaos itself, while the events go out.
  const chaos = (async () => {
    const kills = Array.from({ length: KILLS }, () =>
      at(0.05 + Math.random() * 0.85),
    ).sort((a, b) => a - b);
    const actions: Array<{ t: number; what: string }> = [
      ...kills.map(t => ({ t, what: 'kill' })),
      ...burstAt.map(f => ({ t: at(f) + 300, what: 'nats' })),
      { t: at(0.3), what: 'sink-on' },
      { t: at(0.7), what: 'sink-off' },
    ].sort((a, b) => a.t - b.t);
    let killsDone = 0;
    for (const action of actions) {
      const wait = action.t - Date.now();
      if (wait > 0) await sleep(wait);
      if (action.what === 'nats') {
        const down = Date.now();
        await nats.stop();
        log('nats-server stopped (mid-burst)');
        // Longer than a publish's timeout (5 s, one retry): webhooks answer 5xx meanwhile.
        await sleep(NATS_DOWN_MS);
        await nats.restart();
        natsRestarts++;
        natsDownMs += Date.now() - down;
        log('nats-server started again');
      } else if (action.what === 'sink-on') {
        sink.setChaos(true);
        log('sink: slow, 20 % answered 503');
      } else if (action.what === 'sink-off') {
        sink.setChaos(false);
        log('sink: normal again');
      } else {
        // Kill only while the other replica serves, so a sender always has somewhere to go.
        while (!replicas.every(r => r.ready)) await sleep(200);
        const victim = replicas[Math.floor(Math.random() * replicas.length)];
        await victim.kill9();
        killsDone++;
        log(`kill -9 ${victim.name} (${killsDone}/${KILLS})`);
        await sleep(Math.random() * 2000);
        await victim.start().catch(error => log(`${victim.name}: ${error}`));
        log(`${victim.name} restarted`);
      }
    }
  })();

  await Promise.all(sends);
  log(
    `all webhooks answered: ${figures.accepted} accepted of ${
      2 * EVENTS
    } sends`,
  );
  await chaos;
  sink.setChaos(false);
  const sendSeconds = (Date.now() - sendStart) / 1000;

  // Wait until quiet: every expected run terminal, nothing changing for 10 s.
  const terminal = ['succeeded', 'failed', 'cancelled'];
  const quietStart = Date.now();
  let last = '';
  let lastChange = Date.now();
  for (;;) {
    const [events, runs, done] = await Promise.all([
      // Only the webhook's events: runs publish `orchestration.run.finished` events too.
      knex('edo_events').where('source', '/webhooks/chaos').count({ n: '*' }),
      knex('edo_runs').count({ n: '*' }),
      knex('edo_runs').whereIn('status', terminal).count({ n: '*' }),
    ]);
    const state = `${events[0].n}/${runs[0].n}/${done[0].n}/${
      sink.stats().requests
    }`;
    if (state !== last) {
      last = state;
      lastChange = Date.now();
    }
    const settled =
      Number(events[0].n) >= acceptedEvents.size &&
      Number(runs[0].n) >= matching.size &&
      Number(done[0].n) === Number(runs[0].n);
    if (settled && Date.now() - lastChange > 10_000) break;
    if (Date.now() - quietStart > QUIET_DEADLINE_S * 1000) {
      log(
        `not quiet after ${QUIET_DEADLINE_S} s (events/runs/terminal/sink requests ${state}); checking anyway`,
      );
      break;
    }
    await sleep(1000);
  }
  const settleSeconds = (Date.now() - quietStart) / 1000;
  log(`settled in ${settleSeconds.toFixed(0)} s`);

  // Dead letters, as a live replica reports them.
  let deadLettered = -1;
  try {
    const health = (await (
      await fetch(
        `http://127.0.0.1:${replicas[0].port}/api/event-orchestration/health`,
        // /health shows its details to a valid token only; the replicas are
        // test backends, where this is the mock user's.
        { headers: { authorization: mockCredentials.user.header() } },
      )
    ).json()) as { bus: { consumers: Array<{ deadLettered: number }> } };
    deadLettered = health.bus.consumers.reduce(
      (sum, c) => sum + c.deadLettered,
      0,
    );
  } catch (error) {
    log(`health not readable: ${error}`);
  }

  // ---- Checks, on the shared database and the sink's records ----
  const storedRows: Array<{ id: string }> = await knex('edo_events')
    .where('source', '/webhooks/chaos')
    .select('id');
  const storedCount = new Map<string, number>();
  for (const row of storedRows)
    storedCount.set(row.id, (storedCount.get(row.id) ?? 0) + 1);
  const evaluations: Array<{ event_id: string; matched: boolean | number }> =
    await knex('edo_evaluations')
      .where('sensor', 'chaos-sink')
      .select('event_id', 'matched');
  const runRows: Array<{
    id: string;
    status: string;
    trigger_event_ids: string;
  }> = await knex('edo_runs')
    .where('sensor', 'chaos-sink')
    .select('id', 'status', 'trigger_event_ids');
  const runsByEvent = new Map<string, string[]>();
  const runById = new Map<string, { status: string; event: string }>();
  for (const run of runRows) {
    const triggers = JSON.parse(run.trigger_event_ids) as string[];
    for (const id of triggers)
      runsByEvent.set(id, [...(runsByEvent.get(id) ?? []), run.id]);
    runById.set(run.id, { status: run.status, event: triggers.join(',') });
  }

  const checks: Check[] = [];
  const check = (name: string, bad: string[], total: number) =>
    checks.push({
      name,
      ok: bad.length === 0,
      detail:
        bad.length === 0
          ? `${total} checked`
          : `${bad.length} wrong: ${bad.slice(0, 5).join(', ')}`,
    });
  const accepted = [...acceptedEvents];
  check(
    'the sender got every event accepted (5xx and connection errors retried)',
    eventIds.filter(id => !acceptedEvents.has(id)),
    EVENTS,
  );
  check(
    'nothing accepted was lost: every accepted event is stored',
    accepted.filter(id => !storedCount.has(id)),
    accepted.length,
  );
  check(
    'every accepted event is stored exactly once, and nothing else is',
    [
      ...[...storedCount]
        .filter(([, n]) => n !== 1)
        .map(([id, n]) => `${id} ×${n}`),
      ...[...storedCount.keys()]
        .filter(id => !acceptedEvents.has(id))
        .map(id => `${id} not sent`),
    ],
    storedRows.length,
  );
  const evaluated = new Map(
    evaluations.map(e => [e.event_id, Boolean(e.matched)]),
  );
  check(
    "every stored event has the sensor's verdict, and the right one",
    accepted.filter(id => evaluated.get(id) !== matching.has(id)),
    accepted.length,
  );
  check(
    'every expected run exists exactly once',
    [...matching]
      .filter(id => (runsByEvent.get(id) ?? []).length !== 1)
      .map(id => `${id}: ${(runsByEvent.get(id) ?? []).length} runs`),
    matching.size,
  );
  check(
    'no run for an event that does not match',
    [...runsByEvent.keys()].filter(id => !matching.has(id)),
    runRows.length,
  );
  check(
    'every run is terminal',
    runRows
      .filter(r => !terminal.includes(r.status))
      .map(r => `${r.id} ${r.status}`),
    runRows.length,
  );
  check(
    'every run succeeded (the sink effect was made)',
    runRows
      .filter(r => r.status !== 'succeeded')
      .map(r => `${r.id} ${r.status}`),
    runRows.length,
  );
  // The run engine's key for the step is `<run id>:notify`.
  const expectedKeys = new Map(
    runRows.map(r => [`${r.id}:notify`, runById.get(r.id)!.event]),
  );
  check(
    'every sink effect happened exactly once per idempotency key: one applied effect per run, for its event',
    [
      ...[...expectedKeys]
        .filter(([key, event]) => sink.applied.get(key) !== event)
        .map(
          ([key]) =>
            `${key} ${
              sink.applied.has(key) ? 'for another event' : 'never applied'
            }`,
        ),
      ...[...sink.applied.keys()]
        .filter(key => !expectedKeys.has(key))
        .map(key => `${key} unexpected`),
      ...[...sink.perKey]
        .filter(([, e]) => e.eventIds.size !== 1)
        .map(([key]) => `${key} names several events`),
    ],
    expectedKeys.size,
  );
  const effectsPerEvent = new Map<string, number>();
  for (const eventId of sink.applied.values()) {
    effectsPerEvent.set(eventId, (effectsPerEvent.get(eventId) ?? 0) + 1);
  }
  check(
    'every matching event caused exactly one effect at the sink',
    [...matching]
      .filter(id => effectsPerEvent.get(id) !== 1)
      .map(id => `${id} ×${effectsPerEvent.get(id) ?? 0}`),
    matching.size,
  );
  check(
    'nothing was dead-lettered on the bus',
    deadLettered === 0 ? [] : [`dead letters: ${deadLettered}`],
    1,
  );

  const sinkStats = sink.stats();
  const redelivered = [...sink.perKey.values()].reduce(
    (sum, e) => sum + Math.max(0, e.ok - 1),
    0,
  );
  const statuses = runRows.reduce<Record<string, number>>(
    (acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }),
    {},
  );
  const rows: Array<[string, string | number]> = [
    ['form', SHORT ? 'short (CI)' : 'long'],
    [
      'database',
      usePostgres
        ? 'PostgreSQL (shared)'
        : 'SQLite file (shared; the fallback)',
    ],
    ['events (each sent twice)', EVENTS],
    ['of which match the sensor', matching.size],
    ['sending time, s', sendSeconds.toFixed(0)],
    ['webhook requests (with retries)', figures.requests],
    ['answered 2xx', figures.accepted],
    ['rejected with 5xx (bus down; the sender retried)', figures.rejected5xx],
    [
      'connection errors / timeouts (replica killed; retried)',
      figures.connectionErrors,
    ],
    ['answered 4xx (not retried)', figures.other4xx],
    ['sends given up', figures.gaveUp],
    ['kill -9 of a replica', replicas.reduce((s, r) => s + r.kills, 0)],
    [
      'replicas exiting by themselves',
      replicas.reduce((s, r) => s + r.unplannedExits, 0),
    ],
    [
      'nats-server restarts (down ms in all)',
      `${natsRestarts} (${natsDownMs})`,
    ],
    ['events stored', storedRows.length],
    [
      'runs',
      `${runRows.length} (${Object.entries(statuses)
        .map(([s, n]) => `${n} ${s}`)
        .join(', ')})`,
    ],
    ['sink requests', sinkStats.requests],
    ['sink 503 injected', sinkStats.injected5xx],
    ['sink 2xx repeats absorbed by the Idempotency-Key', redelivered],
    ['sink effects applied', sink.applied.size],
    ['dead letters', deadLettered],
    ['settle time after sending, s', settleSeconds.toFixed(0)],
    ['total time, s', ((Date.now() - started) / 1000).toFixed(0)],
  ];
  console.log('\n| figure | value |\n| --- | --- |');
  for (const [name, value] of rows) console.log(`| ${name} | ${value} |`);
  console.log('\n| check | result |\n| --- | --- |');
  for (const c of checks)
    console.log(`| ${c.name} | ${c.ok ? 'PASS' : 'FAIL'}: ${c.detail} |`);
  const failed = checks.filter(c => !c.ok).length;
  console.log(
    `\nchaos (${SHORT ? 'short' : 'long'}): ${
      checks.length - failed
    } passed, ${failed} failed`,
  );
  if (process.env.CHAOS_REPORT) {
    fs.writeFileSync(
      process.env.CHAOS_REPORT,
      JSON.stringify(
        {
          form: SHORT ? 'short' : 'long',
          checks,
          figures: Object.fromEntries(rows),
        },
        null,
        2,
      ),
    );
  }

  await Promise.all(replicas.map(r => r.stop()));
  await sink.close();
  await nats.cleanup();
  await knex.destroy();
  const keep = failed > 0 || process.env.CHAOS_KEEP === '1';
  if (admin) {
    if (!keep) await admin.raw(`DROP DATABASE ${database}`);
    await admin.destroy();
  }
  if (keep) {
    log(
      `kept for inspection: logs in ${work}${
        usePostgres ? `, database ${database}` : ''
      }`,
    );
  } else {
    fs.rmSync(work, { recursive: true, force: true });
  }
  process.exit(failed > 0 ? 1 : 0);
}

main().catch(error => {
  console.error(error);
  process.exit(2);
});
