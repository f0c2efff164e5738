import {
  OrchestrationEvent,
  parseSensorSpec,
} from '@edo/plugin-event-orchestration-common';
import { MemoryCorrelationState } from './correlationState';
import { LoadedSensor } from './loadSensors';
import { evaluateSensor } from './evaluateSensor';
import { EventOwnership } from '../sources';

const ownership = EventOwnership.builtin();

function sensorFrom(spec: Record<string, unknown>): LoadedSensor {
  const parsed = parseSensorSpec({
    name: 'test',
    workflow: { steps: [{ id: 's', action: 'log', input: { message: 'x' } }] },
    ...spec,
  });
  if (!parsed.success) throw new Error(JSON.stringify(parsed.issues));
  return { spec: parsed.sensor, source: 'test' };
}

let counter = 0;
function alert(
  labels: Record<string, string>,
  minute: number,
  status = 'firing',
): OrchestrationEvent {
  counter++;
  return {
    specversion: '1.0',
    id: `e${counter}`,
    source: '/test',
    type: 'alertmanager.alert',
    time: new Date(Date.UTC(2026, 10, 23, 8, minute)).toISOString(),
    data: { status, labels, fingerprint: labels.alertname ?? 'f' },
  };
}

/** Runs events through a sensor in order, each group with its own scratch state. */
function evaluateInOrder(sensor: LoadedSensor) {
  const fires: Array<{ group: string; at: number }> = [];
  const states = new Map<string, MemoryCorrelationState>();
  return async (event: OrchestrationEvent) => {
    // Each event comes from the owner of its type: correlation is under test here.
    const fromOwner = {
      ...event,
      origin: event.origin ?? ownership.ownerOrigin(event.type),
    };
    const verdict = await evaluateSensor(
      sensor,
      fromOwner,
      async group => {
        if (!states.has(group))
          states.set(group, new MemoryCorrelationState(group, fires));
        return states.get(group)!;
      },
      { ownership },
    );
    return [verdict.status, verdict.reason, verdict.triggerEventIds] as const;
  };
}

describe('correlation', () => {
  it('waits for the conditions over several dependencies and fires with every event that met them', async () => {
    const sensor = sensorFrom({
      dependencies: [
        {
          name: 'build',
          eventType: 'ci.build',
          filters: { data: [{ path: 'ok', value: true }] },
        },
        { name: 'tests', eventType: 'ci.tests' },
        { name: 'manual-approval', eventType: 'portal.approval' },
      ],
      conditions: 'build && (tests || manual-approval)',
    });
    const run = evaluateInOrder(sensor);
    const ev = (type: string, minute: number): OrchestrationEvent => ({
      ...alert({}, minute),
      type,
      data: { ok: true },
    });
    const build = ev('ci.build', 0);
    expect(await run(build)).toEqual([
      'pending',
      "conditions 'build && (tests || manual-approval)' not met: waiting for tests, manual-approval; have build",
      undefined,
    ]);
    const approval = ev('portal.approval', 1);
    expect(await run(approval)).toEqual([
      'matched',
      "conditions 'build && (tests || manual-approval)' met",
      [build.id, approval.id],
    ]);
    // the state was consumed: a new build waits again
    expect((await run(ev('ci.build', 2)))[0]).toBe('pending');
  });

  it('forgets dependencies older than conditionsReset', async () => {
    const sensor = sensorFrom({
      dependencies: [
        { name: 'a', eventType: 'x.a' },
        { name: 'b', eventType: 'x.b' },
      ],
      conditionsReset: { within: '10m' },
    });
    const run = evaluateInOrder(sensor);
    await run({ ...alert({}, 0), type: 'x.a' });
    expect(await run({ ...alert({}, 11), type: 'x.b' })).toEqual([
      'pending',
      'conditions not met: waiting for a; have b',
      undefined,
    ]);
  });

  it('forgets dependencies from before the latest conditionsReset cron tick', async () => {
    const sensor = sensorFrom({
      dependencies: [
        { name: 'a', eventType: 'x.a' },
        { name: 'b', eventType: 'x.b' },
      ],
      conditionsReset: { cron: '0 9 * * *', timezone: 'Europe/Berlin' },
    });
    const run = evaluateInOrder(sensor);
    // 08:00 UTC is 09:00 in Berlin: a at 07:59 UTC is from before the reset, b after it.
    await run({ ...alert({}, -1), type: 'x.a' });
    expect((await run({ ...alert({}, 0), type: 'x.b' }))[1]).toBe(
      'conditions not met: waiting for a; have b',
    );
    expect((await run({ ...alert({}, 1), type: 'x.a' }))[0]).toBe('matched');
  });

  it('fires when count events for one group arrive within the window, per group', async () => {
    const sensor = sensorFrom({
      dependencies: [
        {
          name: 'cpu',
          eventType: 'alertmanager.alert',
          filters: { data: [{ path: 'labels.alertname', value: 'HighCPU' }] },
        },
      ],
      aggregate: {
        count: 3,
        within: '5m',
        groupBy: '${{ event.data.labels.app }}',
      },
    });
    const run = evaluateInOrder(sensor);
    const a1 = alert({ alertname: 'HighCPU', app: 'shop' }, 0);
    expect(await run(a1)).toEqual([
      'pending',
      '1 of 3 within 5m for shop',
      undefined,
    ]);
    expect(
      (await run(alert({ alertname: 'HighCPU', app: 'checkout' }, 1)))[1],
    ).toBe('1 of 3 within 5m for checkout');
    const a2 = alert({ alertname: 'HighCPU', app: 'shop' }, 2);
    expect((await run(a2))[1]).toBe('2 of 3 within 5m for shop');
    // 6 minutes after the first: the first has left the window
    const a3 = alert({ alertname: 'HighCPU', app: 'shop' }, 6);
    expect((await run(a3))[1]).toBe('2 of 3 within 5m for shop');
    const a4 = alert({ alertname: 'HighCPU', app: 'shop' }, 7);
    expect(await run(a4)).toEqual([
      'matched',
      "dependency 'cpu' matched (1 filter passed); 3 of 3 within 5m for shop",
      [a2.id, a3.id, a4.id],
    ]);
  });

  it('holds back runs within the cooldown and beyond the rate limit, saying why', async () => {
    const sensor = sensorFrom({
      dependencies: [{ name: 'any', eventType: 'alertmanager.alert' }],
      cooldown: '10m',
      rateLimit: { max: 2, per: '1h' },
    });
    const run = evaluateInOrder(sensor);
    expect((await run(alert({}, 0)))[0]).toBe('matched');
    expect(await run(alert({}, 4))).toEqual([
      'cooled-down',
      'a run started 4m earlier; cooldown 10m',
      undefined,
    ]);
    expect((await run(alert({}, 10)))[0]).toBe('matched');
    expect(await run(alert({}, 25))).toEqual([
      'rate-limited',
      '2 run(s) started within 1h; the limit is 2',
      undefined,
    ]);
  });

  it('clears pending state when the resolving dependency matches', async () => {
    const sensor = sensorFrom({
      dependencies: [
        {
          name: 'firing',
          eventType: 'alertmanager.alert',
          filters: { data: [{ path: 'status', value: 'firing' }] },
        },
        {
          name: 'resolved',
          eventType: 'alertmanager.alert',
          filters: { data: [{ path: 'status', value: 'resolved' }] },
        },
      ],
      resolvedBy: 'resolved',
      aggregate: {
        count: 2,
        within: '10m',
        groupBy: '${{ event.data.fingerprint }}',
      },
    });
    const run = evaluateInOrder(sensor);
    expect((await run(alert({ alertname: 'fp1' }, 0)))[1]).toBe(
      '1 of 2 within 10m for fp1',
    );
    expect(await run(alert({ alertname: 'fp1' }, 1, 'resolved'))).toEqual([
      'resolved',
      "dependency 'resolved' resolved the pending state for fp1",
      undefined,
    ]);
    expect((await run(alert({ alertname: 'fp1' }, 2)))[1]).toBe(
      '1 of 2 within 10m for fp1',
    );
  });

  it('explains a groupBy that cannot be rendered', async () => {
    const sensor = sensorFrom({
      dependencies: [{ name: 'any', eventType: 'alertmanager.alert' }],
      aggregate: {
        count: 2,
        within: '1m',
        groupBy: '${{ event.data.labels.app }}',
      },
    });
    const [status, reason] = await evaluateInOrder(sensor)(alert({}, 0));
    expect(status).toBe('not-matched');
    expect(reason).toMatch(
      /^aggregate\.groupBy: cannot render \$\{\{ event\.data\.labels\.app \}\}: No such key: app/,
    );
  });
});
