import {
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  OrchestrationEvent,
  entityEventPublishPermission,
  eventPublishPermission,
  EVENT_TYPE_PATTERN,
} from '@edo/plugin-event-orchestration-common';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { parseEntityRefField, validBody } from '../requestValidation';
import { withCursorErrors } from '../responses';
import { ApiRouter, RouteContext } from '../types';

/** Words the refusals of `POST /events` as the portal has always shown them. */
const publishEventWording = z
  .object({
    type: z
      .string()
      .regex(
        EVENT_TYPE_PATTERN,
        'must be dotted lower-case, like portal.provisioning.requested',
      )
      .max(255),
    subject: z.string().min(1).max(255).optional(),
    entityRef: z.string().min(1).max(255).optional(),
    correlationId: z.string().min(1).max(255).optional(),
    data: z.record(z.unknown()).default({}),
  })
  .strict();

/** `GET /events`, `GET /events/:id` and `POST /events` (a portal user or service publishing). */
export function registerEventRoutes(router: ApiRouter, ctx: RouteContext) {
  const { store, bus, logger, access, eventEntities, ownership, userInfo } =
    ctx;

  // Reads show what concerns entities the caller may read in the catalog; a
  // page may therefore hold fewer items than `limit` (its cursor still works).
  router.get('/events', async (req, res) => {
    const credentials = await access.credentials(req);
    const page = await withCursorErrors(() =>
      store.views.listEvents(req.query),
    );
    const items = await access.readable(
      credentials,
      page.items,
      e => e.entityRefs,
    );
    res.json({ ...page, items });
  });

  router.get('/events/:id', async (req, res) => {
    const credentials = await access.credentials(req);
    const details = await store.views.getEvent(req.params.id);
    // Unreadable looks like absent: an id says nothing about what exists.
    const [readable] = details
      ? await access.readable(credentials, [details], e => e.entityRefs)
      : [];
    if (!readable)
      throw new NotFoundError(`No event with id '${req.params.id}'`);
    const runs = await access.readable(
      credentials,
      readable.runs,
      r => r.entityRefs,
    );
    res.json({ ...readable, runs });
  });

  router.post('/events', async (req, res) => {
    const credentials = await access.credentials(req);
    const body = validBody(req, publishEventWording);
    const actor = await access.authorize(
      credentials,
      eventPublishPermission,
      'publish events',
    );
    // Source types own their event types: the portal publishes portal.* and
    // what eventOrchestration.portal.publishableTypes lists, nothing else.
    const publishable = ownership.portalMayPublish(body.type);
    if (!publishable.allowed) throw new NotAllowedError(publishable.reason);
    const entityref = body.entityRef
      ? parseEntityRefField(body.entityRef)
      : undefined;
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
      origin: {
        kind: 'portal',
        actor,
        // Who the requester is, as sign-in resolved it: a sensor may hold a
        // request to it (the owner it names must be one of these).
        ...((credentials.principal as { type?: string }).type === 'user'
          ? {
              ownership: (await userInfo.getUserInfo(credentials))
                .ownershipEntityRefs,
            }
          : {}),
      },
    };
    // Publishing about an entity needs the entity permission on each entity
    // the event will be linked to, the ones its subject names included: a
    // subject is how a sensor finds the application to act on.
    let concerned: string[];
    try {
      concerned = await eventEntities(event);
    } catch (error) {
      throw new ServiceUnavailableError(
        `Cannot check which entities event '${event.type}' concerns: the catalog did not answer; retry later`,
      );
    }
    if (concerned.length > 0) {
      await access.authorizeEntities(
        credentials,
        entityEventPublishPermission,
        concerned,
        `publish '${event.type}' events`,
      );
    }
    // What was checked, for the sensor engine: runs of this request concern
    // these entities and no other the catalog holds.
    event.origin = { ...event.origin!, entityScope: concerned };
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
}
