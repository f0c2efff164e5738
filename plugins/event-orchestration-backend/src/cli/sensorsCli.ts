/* eslint-disable no-console */
import fs from 'node:fs';
import { ConfigReader } from '@backstage/config';
import { OrchestrationEvent } from '@edo/plugin-event-orchestration-common';
import { dryRunSensor, loadSensors } from '../sensors';
import { EventOwnership } from '../sources';

const USAGE = `Usage:
  edo-sensors validate <file or glob>...
      Checks sensor files; exits 1 when any sensor is invalid.
  edo-sensors test <sensor file> <event.json>... [--expect <status>[,<status>...]]
      Dry-runs events (in order) against the sensor(s) in the file, starting from
      an empty state; prints each verdict. With --expect, exits 1 unless the
      statuses (matched, not-matched, pending, cooled-down, rate-limited,
      resolved) are exactly these, in order.`;

function fail(message: string): never {
  throw Object.assign(new Error(message), { exitCode: 2 });
}

function validate(patterns: string[]): number {
  if (patterns.length === 0) fail(USAGE);
  const result = loadSensors(
    new ConfigReader({ eventOrchestration: { sensorFiles: patterns } }),
  );
  for (const sensor of result.sensors)
    console.log(`ok      ${sensor.source}: ${sensor.spec.name}`);
  for (const error of result.errors) {
    console.log(
      `invalid ${error.source}${error.sensor ? `: ${error.sensor}` : ''}`,
    );
    for (const issue of error.issues)
      console.log(`          ${issue.path}: ${issue.message}`);
  }
  if (result.sensors.length + result.errors.length === 0) {
    console.log(`no sensor files match ${patterns.join(', ')}`);
    return 1;
  }
  return result.errors.length > 0 ? 1 : 0;
}

function readEvents(files: string[]): OrchestrationEvent[] {
  return files.flatMap((file, i) => {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
    const list = Array.isArray(parsed) ? parsed : [parsed];
    return list.map((event, j) => ({
      specversion: '1.0',
      source: 'edo-sensors',
      id: `${file}#${i + 1}.${j + 1}`,
      time: new Date().toISOString(),
      data: {},
      ...event,
    }));
  });
}

async function test(args: string[]): Promise<number> {
  const expectAt = args.indexOf('--expect');
  const expected =
    expectAt >= 0
      ? (args[expectAt + 1] ?? '').split(',').filter(Boolean)
      : undefined;
  const positional =
    expectAt >= 0
      ? [...args.slice(0, expectAt), ...args.slice(expectAt + 2)]
      : args;
  const [sensorFile, ...eventFiles] = positional;
  if (!sensorFile || eventFiles.length === 0) fail(USAGE);
  const loaded = loadSensors(
    new ConfigReader({ eventOrchestration: { sensorFiles: [sensorFile] } }),
  );
  if (loaded.errors.length > 0 || loaded.sensors.length === 0) {
    return validate([sensorFile]) || 1;
  }
  const events = readEvents(eventFiles);
  const statuses: string[] = [];
  for (const { spec } of loaded.sensors) {
    // No app-config here: the built-in source types own their prefixes, and an
    // event file without origin is taken as from its type's owner.
    const results = await dryRunSensor({
      sensor: spec,
      events,
      ownership: EventOwnership.builtin(),
    });
    for (const r of results) {
      statuses.push(r.status);
      console.log(`${spec.name}  ${r.eventId}  ${r.status}: ${r.reason}`);
      for (const step of r.steps ?? []) {
        console.log(
          `    step ${step.id} (${step.action}) ${
            step.error ? `fails: ${step.error}` : JSON.stringify(step.input)
          }`,
        );
      }
    }
  }
  if (expected && expected.join() !== statuses.join()) {
    console.log(`expected ${expected.join(', ')}; got ${statuses.join(', ')}`);
    return 1;
  }
  return 0;
}

/** Entry point of the `edo-sensors` command; returns the exit code. */
export async function runSensorsCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'validate') return validate(rest);
    if (command === 'test') return await test(rest);
    console.log(USAGE);
    return command === undefined || command === '--help' ? 0 : 2;
  } catch (error) {
    console.error((error as Error).message);
    return (error as { exitCode?: number }).exitCode ?? 1;
  }
}
