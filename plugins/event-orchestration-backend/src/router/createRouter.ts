import express from 'express';
import Router from 'express-promise-router';
import { randomUUID } from 'node:crypto';
import {
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  DeadLetterRedrive,
  DeadLettersResponse,
  HealthResponse,
  OrchestrationEvent,
  SensorSpec,
  SensorsResponse,
  WebhookResponse,
  deadLetterRedrivePermission,
  eventPublishPermission,
  runApprovePermission,
  runManagePermission,
  sensorTestPermission,
} from '@edo/plugin-event-orchestration-common';
import { EventBus } from '@edo/plugin-event-orchestration-node';
import { z } from 'zod';
import { ActionRegistry } from '../actions';
import { DryRunResult, SensorRegistry, validateSensor } from '../sensors';
import { redactSecrets } from '../runs/redactSecrets';
import { RateLimitedError, WebhookSources } from '../sources';
import { RunEngine } from '../runs';
import { InvalidCursorError, OrchestrationStore, RunRecord } from '../store';
import {
  HEALTH_DETAILS_MAX_AGE_MS,
  LIVENESS_TIMEOUT_MS,
  SharedMeasurement,
  maySeeHealthDetails,
  within,
} from './health';

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).optional(),
  cursor: z.string().optional(),
  entityRef: z.string().optional(),
  /** ISO time: only items received (events) or created (runs) since then. */
  since: z.string().datetime({ offset: true }).optional(),
});
const eventsQuery = listQuery.extend({ type: z.string().optional() }).strict();
const runsQuery = listQuery
  .extend({
    sensor: z.string().optional(),
    status: z
      .enum(['pending', 'running', 'succeeded', 'failed', 'cancelled'])
      .optional(),
  })
  .strict();

/** A pasted event: CloudEvent attributes, with defaults for what a tester leaves out. */
const pastedEvent = z
  .object({
    specversion: z.literal('1.0').default('1.0'),
    id: z.string().min(1).max(255).optional(),
    source: z.string().min(1).default('dry-run'),
    type: z.string().min(1),
    subject: z.string().optional(),
    time: z.string().datetime({ offset: true }).optional(),
    datacontenttype: z.string().optional(),
    data: z.unknown().default({}),
    entityref: z.union([z.string(), z.array(z.string())]).optional(),
    correlationid: z.string().optional(),
    actor: z.string().optional(),
  })
  .strict();
/** `POST /events`: what a portal user or a service may say. */
const portalEventBody = z
  .object({
    type: z
      .string()
      .regex(
        /^[a-z0-9]+(\.[a-z0-9_-]+)+$/,
        'must be dotted lower-case, like portal.provisioning.requested',
      )
      .max(255),
    subject: z.string().min(1).max(255).optional(),
    entityRef: z.string().min(1).max(255).optional(),
    correlationId: z.string().min(1).max(255).optional(),
    data: z.record(z.unknown()).default({}),
  })
  .strict();
const eventOrId = z.union([z.string().min(1), pastedEvent]);
const dryRunBody = z
  .object({
    sensor: z.unknown().optional(),
    sensorName: z.string().min(1).optional(),
    event: eventOrId.optional(),
    eventId: z.string().min(1).optional(),
    events: z.array(eventOrId).min(1).max(1000).optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if ((body.sensor === undefined) === (body.sensorName === undefined)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: 'give exactly one of sensor, sensorName',
      });
    }
    const eventKeys = ['event', 'eventId', 'events'].filter(
      k => (body as any)[k] !== undefined,
    );
    if (eventKeys.length !== 1) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: 'give exactly one of event, eventId, events',
      });
    }
  });

const approveBody = z
  .object({
    decision: z.enum(['approve', 'reject']).default('approve'),
    comment: z.string().max(2000).optional(),
  })
  .strict();
const deadLettersQuery = z
  .object({
    subscriber: z.string().min(1).optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
  })
  .strict();
const redrivesQuery = z
  .object({
    subscriber: z.string().min(1).optional(),
    eventId: z.string().min(1).optional(),
    limit: z.coerce.number().int().min(1).max(200).optional(),
  })
  .strict();
const verdictsQuery = z
  .object({ limit: z.coerce.number().int().min(1).max(200).optional() })
  .strict();
const commentBody = z
  .object({ comment: z.string().max(2000).optional() })
  .strict();
const actionRunBody = z
  .object({
    input: z.record(z.unknown()).default({}),
    entityRef: z.string().min(1).max(255).optional(),
    /** Same key, same run: a client retrying its request starts nothing new. */
    idempotencyKey: z.string().min(1).max(255).optional(),
  })
  .strict();

/** The entity ref of a user, or `service:<subject>` for a service. */
function actorOf(principal: unknown): string {
  const p = principal as { userEntityRef?: string; subject?: string };
  return p.userEntityRef ?? `service:${p.subject ?? 'unknown'}`;
}

function toDryRunEvent(
  item: z.output<typeof pastedEvent>,
  index: number,
): OrchestrationEvent {
  return {
    ...item,
    id: item.id ?? `dry-run-${index + 1}`,
    time: item.time ?? new Date().toISOString(),
  } as OrchestrationEvent;
}

function parseBody<T extends z.ZodTypeAny>(
  schema: T,
  body: unknown,
): z.output<T> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new InputError(
      `Invalid request body: ${parsed.error.issues
        .map(i => `${i.path.join('.') || 'body'}: ${i.message}`)
        .join('; ')}`,
    );
  }
  return parsed.data;
}

function parseQuery<T extends z.ZodTypeAny>(
  schema: T,
  query: unknown,
): z.output<T> {
  const parsed = schema.safeParse(query);
  if (!parsed.success) {
    throw new InputError(
      `Invalid query: ${parsed.error.issues
        .map(i =>
          i.code === 'unrecognized_keys'
            ? `unknown parameter(s) ${i.keys.join(', ')}`
            : `${i.path.join('.')}: ${i.message}`,
        )
        .join('; ')}`,
    );
  }
  return parsed.data;
}

/** The engine-only parts of a run stay inside the backend. */
function publicRun({ workflow, triggerDependencies, ...run }: RunRecord) {
  return run;
}

async function withCursorErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof InvalidCursorError)
      throw new InputError(error.message);
    throw error;
  }
}

/** The REST API of the event-orchestration plugin, mounted at `/api/event-orchestration`. */
export async function createRouter(deps: {
  store: OrchestrationStore;
  bus: EventBus;
  sources: WebhookSources;
  sensors: Pick<SensorRegistry, 'current' | 'find'>;
  actions: ActionRegistry;
  /** Evaluates events against a sensor without side effects. */
  dryRun: (
    sensor: SensorSpec,
    events: OrchestrationEvent[],
  ) => Promise<DryRunResult[]>;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  runs: Pick<RunEngine, 'notify' | 'startActionRun'>;
  logger: LoggerService;
  /** The state of watching sources (Kubernetes), for /health. */
  watches?: () => NonNullable<HealthResponse['watches']>;
  /** What this replica does besides ingest, for /health; default both. */
  roles?: NonNullable<HealthResponse['replica']>;
  /** Resolves when the database answers: the liveness part of /health. */
  pingDatabase: () => Promise<unknown>;
}): Promise<express.Router> {
  const {
    store,
    bus,
    sources,
    sensors,
    actions,
    dryRun,
    httpAuth,
    permissions,
    runs,
    logger,
  } = deps;
  const router = Router();

  // The body is read as bytes: signatures are over exactly what was sent, and
  // the decoding and JSON errors are ours to explain.
  router.post(
    '/webhooks/:source',
    express.raw({ type: () => true, limit: sources.maxBodyBytes() }),
    async (req, res) => {
      const headers: Record<string, string | undefined> = {};
      for (const [key, value] of Object.entries(req.headers)) {
        headers[key.toLowerCase()] = Array.isArray(value) ? value[0] : value;
      }
      let events;
      try {
        events = sources.toEvents({
          sourceName: req.params.source,
          headers,
          body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
        });
      } catch (error) {
        if (error instanceof RateLimitedError)
          res.setHeader('Retry-After', String(error.retryAfterSeconds));
        throw error;
      }
      try {
        // All at once: the bus pipelines them (one round trip, not one per event)
        // and keeps their order per subject, since each publish is issued in turn.
        // If any fails the sender re-sends the request; the ids drop the copies.
        await Promise.all(events.map(event => bus.publish(event)));
      } catch (error) {
        logger.error(
          `Could not publish events from webhook '${req.params.source}': ${error}`,
        );
        throw new ServiceUnavailableError(
          'The event bus is not accepting events right now; retry later',
        );
      }
      const response: WebhookResponse = { eventIds: events.map(e => e.id) };
      res.status(202).json(response);
    },
  );

  router.use(express.json({ limit: '1mb' }));

  router.post('/events', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const body = parseBody(portalEventBody, req.body);
    const [decision] = await permissions.authorize(
      [{ permission: eventPublishPermission }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `Not allowed to publish events (permission ${eventPublishPermission.name})`,
      );
    }
    let entityref: string | undefined;
    if (body.entityRef) {
      try {
        entityref = stringifyEntityRef(
          parseEntityRef(body.entityRef),
        ).toLocaleLowerCase('en-US');
      } catch (error) {
        throw new InputError(`entityRef: ${(error as Error).message}`);
      }
    }
    const actor = actorOf(credentials.principal);
    const event: OrchestrationEvent = {
      specversion: '1.0',
      id: `portal-${randomUUID()}`,
      source: '/events',
      type: body.type,
      ...(body.subject ? { subject: body.subject } : {}),
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      data: body.data,
      ...(entityref ? { entityref } : {}),
      ...(body.correlationId ? { correlationid: body.correlationId } : {}),
      actor,
    };
    try {
      await bus.publish(event);
    } catch (error) {
      logger.error(
        `Could not publish event ${event.id} from ${actor}: ${error}`,
      );
      throw new ServiceUnavailableError(
        'The event bus is not accepting events right now; retry later',
      );
    }
    logger.info(`Event ${event.id} (${event.type}) published by ${actor}`);
    res.status(201).json({ id: event.id });
  });

  router.post('/sensors/test', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const [decision] = await permissions.authorize(
      [{ permission: sensorTestPermission }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `Not allowed to dry-run sensors (permission ${sensorTestPermission.name})`,
      );
    }
    const body = parseBody(dryRunBody, req.body);
    let spec: SensorSpec;
    if (body.sensorName !== undefined) {
      const found = sensors.find(body.sensorName);
      if (!found)
        throw new NotFoundError(`No sensor named '${body.sensorName}'`);
      spec = found.spec;
    } else {
      const parsed = validateSensor(body.sensor);
      if (!parsed.success) {
        throw new InputError(
          `Invalid sensor: ${parsed.issues
            .map(i => `${i.path}: ${i.message}`)
            .join('; ')}`,
        );
      }
      spec = parsed.sensor;
    }
    const given = body.events ?? (body.event !== undefined ? [body.event] : []);
    const events: OrchestrationEvent[] = [];
    for (const [i, item] of [
      ...given,
      ...(body.eventId ? [body.eventId] : []),
    ].entries()) {
      if (typeof item === 'string') {
        const stored = await store.getEvent(item);
        if (!stored) throw new NotFoundError(`No event with id '${item}'`);
        events.push(stored.event);
      } else {
        events.push(toDryRunEvent(item, i));
      }
    }
    const results = await dryRun(spec, events);
    res.json({ results });
  });

  router.get('/events', async (req, res) => {
    const query = parseQuery(eventsQuery, req.query);
    res.json(await withCursorErrors(() => store.listEvents(query)));
  });

  router.get('/events/:id', async (req, res) => {
    const details = await store.getEvent(req.params.id);
    if (!details)
      throw new NotFoundError(`No event with id '${req.params.id}'`);
    res.json(details);
  });

  router.get('/runs', async (req, res) => {
    const query = parseQuery(runsQuery, req.query);
    const page = await withCursorErrors(() => store.listRuns(query));
    res.json({ ...page, items: page.items.map(publicRun) });
  });

  router.get('/runs/:id', async (req, res) => {
    const run = await store.getRun(req.params.id);
    if (!run) throw new NotFoundError(`No run with id '${req.params.id}'`);
    res.json(publicRun(run));
  });

  /** The caller, after checking that they may manage runs. */
  async function runManager(req: express.Request) {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const [decision] = await permissions.authorize(
      [{ permission: runManagePermission }],
      {
        credentials,
      },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `Not allowed to manage runs (permission ${runManagePermission.name})`,
      );
    }
    return actorOf(credentials.principal);
  }

  router.post('/runs/:id/cancel', async (req, res) => {
    const actor = await runManager(req);
    const body = parseBody(commentBody, req.body ?? {});
    const run = await store.getRun(req.params.id);
    if (!run) throw new NotFoundError(`No run with id '${req.params.id}'`);
    const done = await store.cancelRun(run.id, {
      action: 'cancel',
      actor,
      at: new Date().toISOString(),
      ...(body.comment ? { comment: body.comment } : {}),
    });
    if (!done)
      throw new ConflictError(
        `Run ${run.id} is ${run.status}; only pending or running runs can be cancelled`,
      );
    logger.info(`Run ${run.id} cancelled by ${actor}`);
    res.json(publicRun((await store.getRun(run.id))!));
  });

  router.post('/runs/:id/retry', async (req, res) => {
    const actor = await runManager(req);
    const body = parseBody(commentBody, req.body ?? {});
    const run = await store.getRun(req.params.id);
    if (!run) throw new NotFoundError(`No run with id '${req.params.id}'`);
    const done = await store.retryRun(run.id, {
      action: 'retry',
      actor,
      at: new Date().toISOString(),
      ...(body.comment ? { comment: body.comment } : {}),
    });
    if (!done)
      throw new ConflictError(
        `Run ${run.id} is ${run.status}; only failed or cancelled runs can be retried`,
      );
    runs.notify();
    logger.info(`Run ${run.id} retried by ${actor}`);
    res.json(publicRun((await store.getRun(run.id))!));
  });

  router.post('/runs/:id/approve', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const [decision] = await permissions.authorize(
      [{ permission: runApprovePermission }],
      {
        credentials,
      },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `Not allowed to approve runs (permission ${runApprovePermission.name})`,
      );
    }
    const actor = actorOf(credentials.principal);
    const body = parseBody(approveBody, req.body ?? {});
    const run = await store.getRun(req.params.id);
    if (!run) throw new NotFoundError(`No run with id '${req.params.id}'`);
    const done = await store.decideApproval(run.id, body.decision, {
      action: body.decision,
      actor,
      at: new Date().toISOString(),
      ...(body.comment ? { comment: body.comment } : {}),
    });
    if (!done)
      throw new ConflictError(`Run ${run.id} is not waiting for an approval`);
    logger.info(
      `Run ${run.id} ${
        body.decision === 'approve' ? 'approved' : 'rejected'
      } by ${actor}`,
    );
    res.json(publicRun((await store.getRun(run.id))!));
  });

  router.post('/actions/:id/runs', async (req, res) => {
    const actor = await runManager(req);
    const action = actions.get(req.params.id);
    if (!action)
      throw new NotFoundError(
        `No action '${req.params.id}'; GET /actions lists them`,
      );
    const body = parseBody(actionRunBody, req.body);
    const parsed = action.schema.input.safeParse(body.input);
    if (!parsed.success) {
      throw new InputError(
        `Input does not fit action '${action.id}': ${parsed.error.issues
          .map(i => `${i.path.join('.') || 'input'}: ${i.message}`)
          .join('; ')}`,
      );
    }
    const entityRefs: string[] = [];
    if (body.entityRef) {
      try {
        entityRefs.push(
          stringifyEntityRef(parseEntityRef(body.entityRef)).toLocaleLowerCase(
            'en-US',
          ),
        );
      } catch (error) {
        throw new InputError(`entityRef: ${(error as Error).message}`);
      }
    }
    const { run, created } = await runs.startActionRun({
      actionId: action.id,
      input: body.input,
      entityRefs,
      actor,
      idempotencyKey: body.idempotencyKey,
    });
    if (created)
      logger.info(`Action ${action.id} started as run ${run.id} by ${actor}`);
    res.status(created ? 201 : 200).json(publicRun(run));
  });

  router.get('/sensors', async (_req, res) => {
    const counters = await store.sensorCounters();
    const loaded = sensors.current();
    const response: SensorsResponse = {
      items: loaded.sensors.map(({ spec, source }) => {
        const counter = counters.get(spec.name);
        return {
          name: spec.name,
          ...(spec.description ? { description: spec.description } : {}),
          ...(spec.owner ? { owner: spec.owner } : {}),
          source,
          spec: redactSecrets(spec),
          counters: {
            evaluated: counter?.evaluated ?? 0,
            matched: counter?.matched ?? 0,
            runsStarted: counter?.runsStarted ?? 0,
          },
          ...(counter?.lastMatchAt ? { lastMatchAt: counter.lastMatchAt } : {}),
        };
      }),
      errors: loaded.errors,
    };
    res.json(response);
  });

  router.get('/sensors/:name', async (req, res) => {
    const sensor = sensors.find(req.params.name);
    if (!sensor) {
      const failed = sensors
        .current()
        .errors.find(e => e.sensor === req.params.name);
      throw new NotFoundError(
        failed
          ? `Sensor '${req.params.name}' failed to load from ${
              failed.source
            }: ${failed.issues.map(i => `${i.path}: ${i.message}`).join('; ')}`
          : `No sensor named '${req.params.name}'`,
      );
    }
    const counter = (await store.sensorCounters()).get(sensor.spec.name);
    res.json({
      name: sensor.spec.name,
      source: sensor.source,
      // Definitions may carry literal credentials; secrets.<name> references stay readable.
      spec: redactSecrets(sensor.spec),
      counters: {
        evaluated: counter?.evaluated ?? 0,
        matched: counter?.matched ?? 0,
        runsStarted: counter?.runsStarted ?? 0,
      },
      ...(counter?.lastMatchAt ? { lastMatchAt: counter.lastMatchAt } : {}),
    });
  });

  // A sensor's newest verdicts with their reasons: "why did / didn't it fire"
  // across events. Also for a sensor that failed to load (its earlier verdicts).
  router.get('/sensors/:name/verdicts', async (req, res) => {
    const query = parseQuery(verdictsQuery, req.query);
    const name = req.params.name;
    const known =
      sensors.find(name) ||
      sensors.current().errors.some(e => e.sensor === name);
    if (!known) throw new NotFoundError(`No sensor named '${name}'`);
    res.json({
      items: await store.listSensorVerdicts(name, query.limit ?? 20),
    });
  });

  router.get('/actions', async (_req, res) => {
    res.json({ items: actions.list() });
  });

  router.get('/dead-letters', async (req, res) => {
    const query = parseQuery(deadLettersQuery, req.query);
    // A subscriber's error may carry a credential; the bus stores it as thrown.
    const response: DeadLettersResponse = {
      items: redactSecrets(await bus.listDeadLetters(query)),
    };
    res.json(response);
  });

  router.get('/dead-letters/redrives', async (req, res) => {
    const query = parseQuery(redrivesQuery, req.query);
    res.json({ items: await store.listRedrives(query) });
  });

  router.post(
    '/dead-letters/:subscriber/:eventId/redrive',
    async (req, res) => {
      const credentials = await httpAuth.credentials(req, {
        allow: ['user', 'service'],
      });
      const [decision] = await permissions.authorize(
        [{ permission: deadLetterRedrivePermission }],
        {
          credentials,
        },
      );
      if (decision.result !== AuthorizeResult.ALLOW) {
        throw new NotAllowedError(
          `Not allowed to re-drive dead letters (permission ${deadLetterRedrivePermission.name})`,
        );
      }
      const actor = actorOf(credentials.principal);
      const body = parseBody(commentBody, req.body ?? {});
      const { subscriber, eventId } = req.params;
      const redriven = await bus.redriveDeadLetter(subscriber, eventId);
      if (!redriven) {
        throw new NotFoundError(
          `No dead letter of event '${eventId}' for subscriber '${subscriber}'`,
        );
      }
      const entry: DeadLetterRedrive = {
        subscriber: redriven.subscriber,
        eventId: redriven.eventId,
        eventType: redriven.eventType,
        actor,
        at: new Date().toISOString(),
        ...(body.comment ? { comment: body.comment } : {}),
      };
      logger.info(
        `Dead letter of event ${eventId} re-driven to subscriber '${subscriber}' by ${actor}`,
      );
      await store.recordRedrive(entry);
      res.json(entry);
    },
  );

  // Probes share one database ping; the details (database aggregates, NATS
  // calls) are measured at most every few seconds, whoever asks how often.
  const liveness = new SharedMeasurement(
    () =>
      within(
        deps.pingDatabase(),
        LIVENESS_TIMEOUT_MS,
        `no answer within ${LIVENESS_TIMEOUT_MS} ms`,
      ),
    0,
  );
  const measured = new SharedMeasurement(async () => {
    const checkedAt = new Date().toISOString();
    let bus_: HealthResponse['bus'];
    try {
      bus_ = await bus.health();
    } catch (error) {
      bus_ = { type: 'embedded', connected: false, consumers: [] };
      logger.warn(`Health check could not reach the bus: ${error}`);
    }
    return { bus: bus_, linking: await store.linkRetryCounts(), checkedAt };
  }, HEALTH_DETAILS_MAX_AGE_MS);
  router.get('/health', async (req, res) => {
    try {
      await liveness.get();
    } catch (error) {
      logger.warn(`Health check: the database does not answer: ${error}`);
      throw new ServiceUnavailableError('The database does not answer');
    }
    if (!(await maySeeHealthDetails(httpAuth, req))) {
      res.json({ status: 'ok' });
      return;
    }
    const { bus: bus_, linking, checkedAt } = await measured.get();
    const loaded = sensors.current();
    const watches = deps.watches?.() ?? [];
    const response: HealthResponse = {
      status:
        bus_.connected &&
        loaded.errors.length === 0 &&
        watches.every(w => w.connected)
          ? 'ok'
          : 'degraded',
      bus: bus_,
      sensors: { loaded: loaded.sensors.length, failed: loaded.errors.length },
      linking,
      replica: deps.roles ?? { sensorEngine: true, runs: true },
      ...(watches.length > 0 ? { watches } : {}),
      checkedAt,
    };
    res.status(bus_.connected ? 200 : 503).json(response);
  });

  return router;
}
