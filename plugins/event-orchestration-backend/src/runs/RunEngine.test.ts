import { mockServices } from '@backstage/backend-test-utils';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  OrchestrationEvent,
  SensorSpec,
} from '@edo/plugin-event-orchestration-common';
import { createOrchestrationAction } from '@edo/plugin-event-orchestration-node';
import { z } from 'zod';
import { ActionRegistry, createHttpRequestAction, logAction } from '../actions';
import { EntityResolver } from '../catalog';
import { OrchestrationDatabase } from '../store';
import { startHttpSink } from '../__testUtils__/httpSink';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { RunEngine } from './RunEngine';
import { RunMetrics } from './runMetrics';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { waitFor } from '../__testUtils__/waitFor';

// The sinks listen on loopback, which http:request refuses unless allowed.
const httpRequestAction = createHttpRequestAction({
  allowedCidrs: ['127.0.0.1/32'],
});

/** Reads what the instruments recorded, through the real OpenTelemetry SDK. */
class CollectingReader extends MetricReader {
  protected async onForceFlush() {}
  protected async onShutdown() {}
  async points() {
    const { resourceMetrics } = await this.collect();
    const out: Record<
      string,
      Array<{ attributes: Record<string, unknown>; value: unknown }>
    > = {};
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        out[metric.descriptor.name] = metric.dataPoints.map(p => ({
          attributes: p.attributes,
          value: p.value,
        }));
      }
    }
    return out;
  }
}

jest.setTimeout(60_000);

const databases = createTestDatabases();
const logger = mockServices.logger.mock();

const event: OrchestrationEvent = {
  specversion: '1.0',
  id: 'evt-1',
  source: '/test',
  type: 'ci.image.pushed',
  subject: 'my-awesome-app',
  time: '2026-11-23T08:00:00.000Z',
  data: { image: 'my-awesome-app', tag: 'v1.2.3' },
};

function sensor(steps: SensorSpec['workflow']['steps']): SensorSpec {
  return {
    name: 'deploy',
    dependencies: [
      {
        name: 'image',
        eventType: 'ci.image.pushed',
        filters: { data: [] },
        filtersLogicalOperator: 'and',
      },
    ],
    cancelOnResolve: false,
    workflow: { steps, onFailure: [] },
  };
}

describe.each(databases.eachSupportedId())('RunEngine on %s', databaseId => {
  let store: OrchestrationDatabase;
  let entities: EntityResolver;
  let sink: Awaited<ReturnType<typeof startHttpSink>>;

  beforeEach(async () => {
    const knex = await databases.init(databaseId);
    await knex.migrate.latest({
      directory: resolvePackagePath(
        '@edo/plugin-event-orchestration-backend',
        'migrations',
      ),
    });
    store = OrchestrationDatabase.create({ knex });
    entities = new EntityResolver(
      catalogServiceMock({ entities: [] }),
      mockServices.auth(),
      logger,
    );
    await store.events.recordEvent({ event, entityRefs: [] });
    sink = await startHttpSink();
  });
  afterEach(() => sink.close());

  const finished = (id: string) =>
    waitFor(async () => {
      const run = await store.runs.getRun({ id });
      return run && ['succeeded', 'failed'].includes(run.status)
        ? run
        : undefined;
    }, 'the run to finish');

  it('passes outputs of earlier steps to later ones and starts a run only once per event', async () => {
    const actions = new ActionRegistry();
    actions.register(httpRequestAction, logAction);
    const engine = new RunEngine(
      { store, actions, entities, logger },
      { pollIntervalMs: 50 },
    );
    engine.start();
    const spec = sensor([
      {
        id: 'call',
        action: 'http:request',
        input: {
          url: `${sink.url}/hook`,
          body: { tag: '${{ event.data.tag }}' },
        },
      },
      {
        id: 'say',
        action: 'log',
        input: { message: 'status ${{ steps.call.output.status }}' },
      },
    ]);
    const first = await engine.startRun({
      sensor: spec,
      triggerEventIds: [event.id],
      entityRefs: [],
    });
    const again = await engine.startRun({
      sensor: spec,
      triggerEventIds: [event.id],
      entityRefs: [],
    });
    expect(first.created).toBe(true);
    expect(again).toMatchObject({ created: false, run: { id: first.run.id } });

    const run = await finished(first.run.id);
    await engine.stop();
    expect(run.status).toBe('succeeded');
    expect(run.steps.map(s => [s.id, s.status])).toEqual([
      ['call', 'succeeded'],
      ['say', 'succeeded'],
    ]);
    expect(run.steps[1].logs).toEqual([
      expect.stringMatching(/ info status 200$/),
    ]);
    expect(sink.received.map(r => JSON.parse(r.body))).toEqual([
      { tag: 'v1.2.3' },
    ]);
  });

  it('fails the run at a non-2xx answer, keeps the error, and skips the steps after it', async () => {
    sink.answerWith(502);
    const actions = new ActionRegistry();
    actions.register(httpRequestAction, logAction);
    const engine = new RunEngine(
      { store, actions, entities, logger },
      { pollIntervalMs: 50 },
    );
    engine.start();
    const { run } = await engine.startRun({
      sensor: sensor([
        {
          id: 'call',
          action: 'http:request',
          input: { url: `${sink.url}/hook`, method: 'PUT', retries: 0 },
        },
        { id: 'after', action: 'log', input: { message: 'never' } },
      ]),
      triggerEventIds: [event.id],
      entityRefs: [],
    });
    const done = await finished(run.id);
    await engine.stop();
    expect(done.status).toBe('failed');
    expect(done.error).toBe(
      `step 'call' failed: PUT ${sink.url}/hook answered 502: {"ok":false}`,
    );
    expect(done.steps.map(s => s.status)).toEqual(['failed', 'skipped']);
    expect(done.steps[0].output).toEqual({ status: 502, body: { ok: false } });
  });

  it('fails a step whose rendered input does not fit the action schema, naming the field', async () => {
    const actions = new ActionRegistry();
    actions.register(httpRequestAction, logAction);
    const engine = new RunEngine(
      { store, actions, entities, logger },
      { pollIntervalMs: 50 },
    );
    engine.start();
    const { run } = await engine.startRun({
      sensor: sensor([
        {
          id: 'call',
          action: 'http:request',
          input: { url: '${{ event.data.tag }}' },
        },
      ]),
      triggerEventIds: [event.id],
      entityRefs: [],
    });
    const done = await finished(run.id);
    await engine.stop();
    expect(done.steps[0].error).toBe(
      "input does not fit action 'http:request': url: Invalid url; url: must be an http(s) URL",
    );
    expect(sink.received).toHaveLength(0);
  });

  it('resumes a run whose process died, without repeating the steps that succeeded', async () => {
    let calls = 0;
    let release: () => void = () => {};
    const hang = createOrchestrationAction({
      id: 'test:hang-once',
      description: 'hangs on its first call, as if the process died in it',
      schema: { input: z.object({}) },
      async handler() {
        calls++;
        if (calls === 1) await new Promise<void>(r => (release = r));
      },
    });
    const actions = new ActionRegistry();
    actions.register(httpRequestAction, hang);
    const spec = sensor([
      {
        id: 'call',
        action: 'http:request',
        input: { url: `${sink.url}/once` },
      },
      { id: 'hang', action: 'test:hang-once', input: {} },
    ]);
    const dying = new RunEngine(
      { store, actions, entities, logger },
      { leaseMs: 300, pollIntervalMs: 50 },
    );
    dying.start();
    const { run } = await dying.startRun({
      sensor: spec,
      triggerEventIds: [event.id],
      entityRefs: [],
    });
    await waitFor(
      async () => (calls === 1 ? true : undefined),
      'the first engine to hang',
    );
    // The first engine stops renewing its lease, as a killed process would.
    (dying as any).running = false;
    jest.spyOn(store.runs, 'renewLease').mockResolvedValue(undefined);

    const successor = new RunEngine(
      { store, actions, entities, logger },
      { leaseMs: 300, pollIntervalMs: 50 },
    );
    successor.start();
    const done = await finished(run.id);
    await successor.stop();
    release();
    // The first engine comes back from its "death": it must not change the outcome.
    await dying.stop();
    expect(done.status).toBe('succeeded');
    expect(done.steps.map(s => [s.id, s.status, s.attempts])).toEqual([
      ['call', 'succeeded', 1],
      ['hang', 'succeeded', 2],
    ]);
    expect(sink.received).toHaveLength(1);
    expect((await store.runs.getRun({ id: run.id }))?.status).toBe('succeeded');
  });

  it('skips steps whose if: is false, retries with back-off, and runs onFailure steps after a failure', async () => {
    sink.answerNext(503, 503);
    const actions = new ActionRegistry();
    actions.register(httpRequestAction, logAction);
    const reader = new CollectingReader();
    const metrics = new RunMetrics(
      new MeterProvider({ readers: [reader] }).getMeter('test'),
    );
    const engine = new RunEngine(
      { store, actions, entities, logger, metrics },
      { pollIntervalMs: 50 },
    );
    engine.start();
    const { run } = await engine.startRun({
      sensor: {
        ...sensor([
          {
            id: 'call',
            action: 'http:request',
            input: { url: `${sink.url}/flaky`, retries: 0 },
            retry: { attempts: 3, backoff: '50ms', factor: 2 },
          },
          {
            id: 'only-on-tag',
            action: 'log',
            if: 'event.data.tag == "v9"',
            input: { message: 'not this time' },
          },
          {
            id: 'broken',
            action: 'http:request',
            input: { url: `${sink.url}/broken`, method: 'PUT', retries: 0 },
            retry: { attempts: 2, backoff: '10ms', factor: 1 },
          },
          { id: 'never', action: 'log', input: { message: 'unreachable' } },
        ]),
        workflow: {
          steps: [
            {
              id: 'call',
              action: 'http:request',
              input: { url: `${sink.url}/flaky`, retries: 0 },
              retry: { attempts: 3, backoff: '50ms', factor: 2 },
            },
            {
              id: 'only-on-tag',
              action: 'log',
              if: 'event.data.tag == "v9"',
              input: { message: 'not this time' },
            },
            {
              id: 'broken',
              action: 'http:request',
              input: { url: `${sink.url}/broken`, method: 'PUT', retries: 0 },
              retry: { attempts: 2, backoff: '10ms', factor: 1 },
            },
            { id: 'never', action: 'log', input: { message: 'unreachable' } },
          ],
          onFailure: [
            {
              id: 'escalate',
              action: 'log',
              input: {
                message: 'failed: ${{ steps.broken.output.status }}',
                level: 'error',
              },
            },
          ],
        },
      },
      triggerEventIds: [event.id],
      entityRefs: [],
    });
    // The third request (the first of 'broken') and every later one answer 500.
    setTimeout(() => sink.answerWith(500), 0);
    sink.answerNext(200);
    const done = await finished(run.id);
    await engine.stop();
    expect(done.status).toBe('failed');
    expect(done.error).toBe(
      `step 'broken' failed: PUT ${sink.url}/broken answered 500: {"ok":false}`,
    );
    expect(done.steps.map(s => [s.id, s.phase, s.status, s.attempts])).toEqual([
      ['call', 'main', 'succeeded', 3],
      ['only-on-tag', 'main', 'skipped', 0],
      ['broken', 'main', 'failed', 2],
      ['never', 'main', 'skipped', 0],
      ['escalate', 'onFailure', 'succeeded', 1],
    ]);
    expect(done.steps[0].logs?.filter(l => l.includes('retrying in'))).toEqual([
      expect.stringMatching(
        /attempt 1 failed: POST .* answered 503: .*; retrying in 50 ms \(2 left\)$/,
      ),
      expect.stringMatching(
        /attempt 2 failed: POST .* answered 503: .*; retrying in 100 ms \(1 left\)$/,
      ),
    ]);
    expect(done.steps[4].logs).toEqual([
      expect.stringMatching(/ error failed: 500$/),
    ]);
    expect(sink.received.map(r => r.path)).toEqual([
      '/flaky',
      '/flaky',
      '/flaky',
      '/broken',
      '/broken',
    ]);

    // OpenTelemetry: one failed run, four failed attempts, one duration per executed step.
    const points = await reader.points();
    expect(points['event_orchestration.runs']).toEqual([
      { attributes: { sensor: 'deploy', status: 'failed' }, value: 1 },
    ]);
    expect(points['event_orchestration.action.errors']).toEqual([
      { attributes: { action: 'http:request' }, value: 4 },
    ]);
    const durations = points['event_orchestration.step.duration'].map(p => [
      p.attributes,
      (p.value as { count: number; sum: number }).count,
    ]);
    expect(durations).toEqual(
      expect.arrayContaining([
        [{ action: 'http:request', status: 'succeeded' }, 1],
        [{ action: 'http:request', status: 'failed' }, 1],
        [{ action: 'log', status: 'succeeded' }, 1],
      ]),
    );
    expect(durations).toHaveLength(3);
    // The succeeded call waited 50 + 100 ms between its attempts.
    const call = points['event_orchestration.step.duration'].find(
      p =>
        p.attributes.status === 'succeeded' &&
        p.attributes.action === 'http:request',
    );
    expect((call!.value as { sum: number }).sum).toBeGreaterThanOrEqual(0.15);
  });

  it('never executes its own run twice when its lease runs out during a slow step', async () => {
    let calls = 0;
    const slow = createOrchestrationAction({
      id: 'test:slow',
      description: 'takes longer than the lease',
      schema: { input: z.object({}) },
      async handler() {
        calls++;
        await new Promise(r => setTimeout(r, 800));
      },
    });
    const actions = new ActionRegistry();
    actions.register(slow);
    const engine = new RunEngine(
      { store, actions, entities, logger },
      { leaseMs: 150, pollIntervalMs: 20 },
    );
    // Renewals starved, as on an overloaded machine: the lease expires mid-step.
    jest.spyOn(store.runs, 'renewLease').mockResolvedValue(undefined);
    engine.start();
    const { run } = await engine.startRun({
      sensor: sensor([{ id: 'slow', action: 'test:slow', input: {} }]),
      triggerEventIds: [event.id],
      entityRefs: [],
    });
    const done = await finished(run.id);
    await engine.stop();
    jest.restoreAllMocks();
    expect(done.status).toBe('succeeded');
    expect(calls).toBe(1);
    expect(done.steps[0].attempts).toBe(1);
  });

  it('times a step out, and cancels a running run by aborting its step', async () => {
    sink.delay(2000);
    const actions = new ActionRegistry();
    actions.register(httpRequestAction, logAction);
    // A lease of 300 ms expired on a loaded CI machine (renewals starved), letting
    // the same engine take its own run again; 1 s still notices the cancel quickly.
    const engine = new RunEngine(
      { store, actions, entities, logger },
      { pollIntervalMs: 50, leaseMs: 1000 },
    );
    engine.start();
    const timedOut = await engine.startRun({
      sensor: sensor([
        {
          id: 'slow',
          action: 'http:request',
          input: { url: `${sink.url}/slow`, retries: 0 },
          timeout: '200ms',
        },
      ]),
      triggerEventIds: [event.id],
      entityRefs: [],
    });
    const done = await finished(timedOut.run.id);
    expect(done.steps[0].error).toBe("step 'slow' timed out after 200 ms");

    await store.events.recordEvent({
      event: { ...event, id: 'evt-2' },
      entityRefs: [],
    });
    const long = await engine.startRun({
      sensor: sensor([
        {
          id: 'slow',
          action: 'http:request',
          input: { url: `${sink.url}/slow` },
        },
        { id: 'after', action: 'log', input: { message: 'x' } },
      ]),
      triggerEventIds: ['evt-2'],
      entityRefs: [],
    });
    await waitFor(
      async () =>
        (await store.runs.getRun({ id: long.run.id }))?.status === 'running'
          ? true
          : undefined,
      'running',
    );
    expect(
      await store.runs.cancelRun({
        id: long.run.id,
        entry: {
          action: 'cancel',
          actor: 'user:default/alice',
          at: new Date().toISOString(),
        },
      }),
    ).toBe(true);
    const cancelled = await waitFor(async () => {
      const r = await store.runs.getRun({ id: long.run.id });
      return r?.steps[0].status === 'cancelled' ? r : undefined;
    }, 'the step to be aborted');
    await engine.stop();
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.audit).toEqual([
      expect.objectContaining({
        action: 'cancel',
        actor: 'user:default/alice',
      }),
    ]);
    expect(cancelled.steps.map(s => s.status)).toEqual([
      'cancelled',
      'skipped',
    ]);
    // A finished run cannot be cancelled again.
    expect(
      await store.runs.cancelRun({
        id: long.run.id,
        entry: {
          action: 'cancel',
          actor: 'user:default/alice',
          at: new Date().toISOString(),
        },
      }),
    ).toBe(false);
  });

  it('retries a failed run from the failed step, keeping what succeeded', async () => {
    const actions = new ActionRegistry();
    actions.register(httpRequestAction, logAction);
    const engine = new RunEngine(
      { store, actions, entities, logger },
      { pollIntervalMs: 50 },
    );
    engine.start();
    sink.answerNext(200, 500);
    const { run } = await engine.startRun({
      sensor: sensor([
        {
          id: 'first',
          action: 'http:request',
          input: { url: `${sink.url}/first` },
        },
        {
          id: 'second',
          action: 'http:request',
          input: { url: `${sink.url}/second`, retries: 0 },
        },
      ]),
      triggerEventIds: [event.id],
      entityRefs: [],
    });
    expect((await finished(run.id)).status).toBe('failed');
    expect(
      await store.runs.retryRun({
        id: run.id,
        entry: {
          action: 'retry',
          actor: 'user:default/bob',
          at: new Date().toISOString(),
        },
      }),
    ).toBe(true);
    engine.notify();
    const done = await waitFor(async () => {
      const r = await store.runs.getRun({ id: run.id });
      return r?.status === 'succeeded' ? r : undefined;
    }, 'the retried run to succeed');
    await engine.stop();
    expect(done.steps.map(s => [s.id, s.status, s.attempts])).toEqual([
      ['first', 'succeeded', 1],
      ['second', 'succeeded', 2],
    ]);
    expect(sink.received.map(r => r.path)).toEqual([
      '/first',
      '/second',
      '/second',
    ]);
    expect(done.audit.map(a => [a.action, a.actor])).toEqual([
      ['retry', 'user:default/bob'],
    ]);
    expect(
      await store.runs.retryRun({
        id: run.id,
        entry: {
          action: 'retry',
          actor: 'user:default/bob',
          at: new Date().toISOString(),
        },
      }),
    ).toBe(false);
  });
});
