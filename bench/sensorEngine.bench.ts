/* eslint-disable no-console */
/**
 * Sensor engine throughput with 1, 100 and 1,000 sensors loaded.
 *
 * 1. evaluation: routing by event type, filters of every candidate, correlation
 *    (scratch state) for those that pass — what every event costs before
 *    anything is written;
 * 2. full path: SensorEngine.handle on a SQLite file database — storing the
 *    event, each verdict, the correlation state and the runs.
 *
 * Sensors listen to 20 event types (so 1,000 sensors give 50 candidates per
 * event), each with three data filters, a third of them with a CEL expression.
 * Ratios are against the 1-sensor figure measured in the same run.
 *
 * Run: yarn bench:sensors   (its functions also serve bench/load.bench.ts)
 */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import knexFactory from 'knex';
import { mockServices } from '@backstage/backend-test-utils';
import { LoggerService } from '@backstage/backend-plugin-api';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  OrchestrationEvent,
  parseSensorSpec,
} from '@edo/plugin-event-orchestration-common';
import { EntityResolver } from '../plugins/event-orchestration-backend/src/catalog';
import {
  OrchestrationDatabase,
  tuneSqlite,
} from '../plugins/event-orchestration-backend/src/store';
import {
  LoadedSensor,
  MemoryCorrelationState,
  SensorEngine,
  filterEvent,
  evaluateSensor,
} from '../plugins/event-orchestration-backend/src/sensors';
import { EventOwnership } from '../plugins/event-orchestration-backend/src/sources';

const ownership = EventOwnership.builtin();

const TYPES = Array.from(
  { length: Number(process.env.BENCH_TYPES ?? 20) },
  (_, i) => `bench.type${i}`,
);
const APPS = Array.from({ length: 50 }, (_, i) => `app-${i}`);

function makeSensors(count: number, types: string[] = TYPES): LoadedSensor[] {
  return Array.from({ length: count }, (_, i) => {
    const parsed = parseSensorSpec({
      name: `sensor-${i}`,
      dependencies: [
        {
          name: 'dep',
          eventType: types[i % types.length],
          filters: {
            data: [
              { path: 'status', value: 'firing' },
              { path: 'labels.severity', in: ['critical', 'page'] },
              { path: 'labels.app', value: APPS[i % APPS.length] },
            ],
            ...(i % 3 === 0 ? { expr: 'event.data.value > 0.5' } : {}),
          },
        },
      ],
      workflow: {
        steps: [
          {
            id: 's',
            action: 'log',
            input: { message: '${{ event.subject }}' },
          },
        ],
      },
    });
    if (!parsed.success) throw new Error(JSON.stringify(parsed.issues));
    return { spec: parsed.sensor, source: 'bench' };
  });
}

function makeEvents(
  count: number,
  types: string[] = TYPES,
): OrchestrationEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    specversion: '1.0',
    id: `bench-${i}`,
    source: '/bench',
    type: types[i % types.length],
    subject: APPS[(i * 7) % APPS.length],
    time: new Date(Date.UTC(2026, 10, 23, 8, 0, 0, i)).toISOString(),
    data: {
      status: i % 4 === 0 ? 'resolved' : 'firing',
      value: (i % 10) / 10,
      labels: {
        severity: i % 3 ? 'critical' : 'warning',
        app: APPS[(i * 7) % APPS.length],
      },
    },
    // bench.* belongs to no source: the orchestrator owns it.
    origin: { kind: 'orchestrator' as const },
  }));
}

function index(sensors: LoadedSensor[]) {
  const byType = new Map<string, LoadedSensor[]>();
  for (const s of sensors) {
    const t = s.spec.dependencies[0].eventType;
    byType.set(t, [...(byType.get(t) ?? []), s]);
  }
  return {
    candidates: (type: string) => byType.get(type) ?? [],
    find: (name: string) => sensors.find(s => s.spec.name === name),
  };
}

function percentile(sorted: number[], p: number) {
  return sorted[
    Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))
  ];
}

export async function evaluation(
  sensorCount: number,
  eventCount: number,
  types: string[] = TYPES,
) {
  const registry = index(makeSensors(sensorCount, types));
  const events = makeEvents(eventCount, types);
  const fires: Array<{ group: string; at: number }> = [];
  const states = new Map<string, MemoryCorrelationState>();
  const latencies: number[] = [];
  const started = performance.now();
  for (const event of events) {
    const t0 = performance.now();
    // As SensorEngine.handle does: filters for every candidate, synchronously;
    // correlation (async, stateful) only for those whose filters passed.
    for (const sensor of registry.candidates(event.type)) {
      if (
        filterEvent(sensor, event, ownership).matchedDependencies.length === 0
      )
        continue;
      await evaluateSensor(
        sensor,
        event,
        async group => {
          const key = `${sensor.spec.name}/${group}`;
          if (!states.has(key))
            states.set(key, new MemoryCorrelationState(group, fires));
          return states.get(key)!;
        },
        { ownership },
      );
    }
    latencies.push(performance.now() - t0);
  }
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    rate: eventCount / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

export async function fullPath(
  sensorCount: number,
  eventCount: number,
  types: string[] = TYPES,
) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edo-bench-'));
  const knex = knexFactory({
    client: 'better-sqlite3',
    connection: { filename: path.join(dir, 'bench.sqlite') },
    useNullAsDefault: true,
  });
  await knex.migrate.latest({
    directory: path.resolve(
      __dirname,
      '../plugins/event-orchestration-backend/migrations',
    ),
  });
  const logger: LoggerService = {
    error() {},
    warn() {},
    info() {},
    debug() {},
    child: () => logger,
  };
  await tuneSqlite(knex, logger); // as the plugin does on a SQLite file
  const store = OrchestrationDatabase.create({ knex });
  const entities = new EntityResolver(
    catalogServiceMock({ entities: [] }),
    mockServices.auth(),
    logger,
  );
  const engine = new SensorEngine({
    sensors: index(makeSensors(sensorCount, types)),
    store,
    entities,
    ownership,
    // No run engine executes here: the bench measures deciding, not acting.
    onRunsCreated: () => {},
    logger,
  });
  const events = makeEvents(eventCount, types);
  const latencies: number[] = [];
  const started = performance.now();
  for (const event of events) {
    const t0 = performance.now();
    await engine.handle(event);
    latencies.push(performance.now() - t0);
  }
  const seconds = (performance.now() - started) / 1000;
  await knex.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  return {
    rate: eventCount / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

async function main() {
  const counts = [1, 100, 1000];
  const evalEvents = Number(process.env.BENCH_EVENTS ?? 20_000);
  const dbEvents = Number(process.env.BENCH_DB_EVENTS ?? 1_000);
  await evaluation(100, 2_000); // warm-up (JIT, CEL compile cache)

  const rows: string[][] = [];
  let base = 0;
  for (const n of counts) {
    const r = await evaluation(n, evalEvents);
    if (n === 1) base = r.rate;
    rows.push([
      'evaluation',
      String(n),
      r.rate.toFixed(0),
      r.p50.toFixed(3),
      r.p99.toFixed(3),
      (r.rate / base).toFixed(2),
    ]);
  }
  base = 0;
  for (const n of counts) {
    const r = await fullPath(n, dbEvents);
    if (n === 1) base = r.rate;
    rows.push([
      'full path (SQLite)',
      String(n),
      r.rate.toFixed(0),
      r.p50.toFixed(3),
      r.p99.toFixed(3),
      (r.rate / base).toFixed(2),
    ]);
  }
  // Equal work per event: every event meets exactly one candidate sensor — the
  // one sensor (all events of its type), or one of 1,000 sensors over 1,000
  // types (events cycle through the types). What remains is the cost of having
  // 1,000 sensors loaded: routing, and state spread over more sensors.
  const oneType = ['bench.only'];
  const thousandTypes = Array.from(
    { length: 1000 },
    (_, i) => `bench.kind${i}`,
  );
  // Sub-microsecond per event, so JIT and GC swing single runs: the median of
  // five alternating runs of each.
  const median = (runs: Array<{ rate: number; p50: number; p99: number }>) =>
    runs.sort((a, b) => a.rate - b.rate)[Math.floor(runs.length / 2)];
  const oneRuns = [];
  const thousandRuns = [];
  for (let round = 0; round < 5; round++) {
    oneRuns.push(await evaluation(1, evalEvents, oneType));
    thousandRuns.push(await evaluation(1000, evalEvents, thousandTypes));
  }
  const oneEval = median(oneRuns);
  const thousandEval = median(thousandRuns);
  const oneFull = await fullPath(1, dbEvents, oneType);
  const thousandFull = await fullPath(1000, dbEvents, thousandTypes);
  for (const [what, n, r, b] of [
    ['evaluation, 1 candidate/event', '1', oneEval, oneEval],
    ['evaluation, 1 candidate/event', '1000', thousandEval, oneEval],
    ['full path (SQLite), 1 candidate/event', '1', oneFull, oneFull],
    ['full path (SQLite), 1 candidate/event', '1000', thousandFull, oneFull],
  ] as const) {
    rows.push([
      what,
      n,
      r.rate.toFixed(0),
      r.p50.toFixed(3),
      r.p99.toFixed(3),
      (r.rate / b.rate).toFixed(2),
    ]);
  }
  const header = [
    'what',
    'sensors',
    'events/s',
    'p50 ms',
    'p99 ms',
    'ratio to 1 sensor',
  ];
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map(r => r[i].length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(
    `node ${process.version}, ${os.cpus().length} cores, ${
      os.cpus()[0]?.model ?? ''
    }`,
  );
  console.log(
    `${evalEvents} events per evaluation row, ${dbEvents} per full-path row; ${TYPES.length} event types`,
  );
  console.log(line(header));
  console.log(line(widths.map(w => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
}

// Run directly (node bench/run.js bench/sensorEngine.bench.ts), not when imported by load.bench.ts.
if (process.argv[2] && path.resolve(process.argv[2]) === __filename) {
  main().catch(error => {
    console.error(error);
    process.exit(1);
  });
}
