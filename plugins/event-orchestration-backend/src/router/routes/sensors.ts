import { InputError, NotFoundError } from '@backstage/errors';
import {
  EVENT_ORIGIN_KINDS,
  OrchestrationEvent,
  SensorSpec,
  SensorsResponse,
  adminPermission,
  sensorTestPermission,
} from '@edo/plugin-event-orchestration-common';
import { z } from 'zod';
import { redactSecrets } from '../../shared/redaction/redactSecrets';
import { validateSensor } from '../../sensors';
import { validBody } from '../requestValidation';
import { countersOf, sensorSummary } from '../responses';
import { ApiRouter, RouteContext } from '../types';

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
    /** What to test the sensor against; without it, the owner of the type. */
    origin: z
      .object({
        kind: z.enum(EVENT_ORIGIN_KINDS),
        source: z.string().min(1).max(255).optional(),
        sourceType: z.string().min(1).max(255).optional(),
        actor: z.string().min(1).max(255).optional(),
        run: z.string().min(1).max(255).optional(),
        ownership: z.array(z.string().min(1).max(255)).max(500).optional(),
        onBehalfOf: z.array(z.string().min(1).max(255)).max(500).optional(),
        entityScope: z.array(z.string().min(1).max(255)).max(500).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
const eventOrId = z.union([z.string().min(1), pastedEvent]);

/**
 * `POST /sensors/test`: the spec describes the fields; "exactly one of" is
 * checked here, in the words testers have always seen.
 */
const sensorTestBody = z
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
      k => (body as Record<string, unknown>)[k] !== undefined,
    );
    if (eventKeys.length !== 1) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: 'give exactly one of event, eventId, events',
      });
    }
  });

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

/** The loaded sensors, one sensor, its verdicts, and a dry run. */
export function registerSensorRoutes(router: ApiRouter, ctx: RouteContext) {
  const { store, sensors, dryRun, access } = ctx;

  router.get('/sensors', async (_req, res) => {
    const counters = await store.views.sensorCounters();
    const loaded = sensors.current();
    const response: SensorsResponse = {
      items: loaded.sensors.map(sensor =>
        sensorSummary(sensor, counters.get(sensor.spec.name)),
      ),
      errors: loaded.errors,
    };
    res.json(response);
  });

  router.post('/sensors/test', async (req, res) => {
    const credentials = await access.credentials(req);
    await access.authorize(
      credentials,
      sensorTestPermission,
      'dry-run sensors',
    );
    const body = validBody(req, sensorTestBody);
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
        const found = await store.views.getEvent(item);
        // A stored event is read like through GET /events/:id.
        const [stored] = found
          ? await access.readable(credentials, [found], e => e.entityRefs)
          : [];
        if (!stored) throw new NotFoundError(`No event with id '${item}'`);
        events.push(stored.event);
      } else {
        events.push(toDryRunEvent(item, i));
      }
    }
    res.json({
      results: await dryRun(spec, events, {
        mayRead: async refs =>
          (await access.readable(credentials, [refs], r => r)).length === 1,
        // A draft may borrow a live sensor's name: its windows and counts
        // concern other teams' events, so it starts empty (the admin's
        // drafts aside); a loaded sensor's own dry run starts where it is.
        liveState:
          body.sensorName !== undefined ||
          (await access.isAllowed(credentials, adminPermission)),
      }),
    });
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
    const counter = (await store.views.sensorCounters()).get(sensor.spec.name);
    res.json({
      name: sensor.spec.name,
      source: sensor.source,
      // Definitions may carry literal credentials; secrets.<name> references stay readable.
      spec: redactSecrets(sensor.spec),
      ...countersOf(counter),
    });
  });

  // A sensor's newest verdicts with their reasons: "why did / didn't it fire"
  // across events. Also for a sensor that failed to load (its earlier verdicts).
  router.get('/sensors/:name/verdicts', async (req, res) => {
    const name = req.params.name;
    const known =
      sensors.find(name) ||
      sensors.current().errors.some(e => e.sensor === name);
    if (!known) throw new NotFoundError(`No sensor named '${name}'`);
    const credentials = await access.credentials(req);
    const verdicts = await store.evaluations.listSensorVerdicts({
      sensor: name,
      limit: req.query.limit ?? 20,
    });
    // Filtered like events, by the entities each verdict's event concerns.
    const refsOf = await store.events.entityRefsByEvent({
      eventIds: verdicts.map(v => v.eventId),
    });
    res.json({
      items: await access.readable(
        credentials,
        verdicts,
        v => refsOf.get(v.eventId) ?? [],
      ),
    });
  });
}
