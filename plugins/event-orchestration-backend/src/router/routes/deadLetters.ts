import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import {
  CommentRequest,
  DeadLetterRedrive,
  DeadLettersResponse,
  deadLetterRedrivePermission,
  entityRunManagePermission,
} from '@edo/plugin-event-orchestration-common';
import { redactSecrets } from '../../shared/redaction/redactSecrets';
import { validBody } from '../requestValidation';
import { ApiRouter, RouteContext } from '../types';

/** Events subscribers gave up on, re-driving one by hand, and the record of re-drives. */
export function registerDeadLetterRoutes(router: ApiRouter, ctx: RouteContext) {
  const { store, bus, logger, access } = ctx;

  /**
   * The records of `items` whose event the caller may read: filtered like
   * events (routes/events.ts) by the entities the stored event is linked to;
   * a dead letter of an event never stored concerns no entity (admin only).
   */
  async function readableByEvent<T extends { eventId: string }>(
    credentials: BackstageCredentials,
    items: T[],
  ): Promise<T[]> {
    const refsOf = await store.events.entityRefsByEvent({
      eventIds: items.map(i => i.eventId),
    });
    return access.readable(
      credentials,
      items,
      i => refsOf.get(i.eventId) ?? [],
    );
  }

  router.get('/dead-letters', async (req, res) => {
    const credentials = await access.credentials(req);
    // A subscriber's error may carry a credential; the bus stores it as thrown.
    const response: DeadLettersResponse = {
      items: await readableByEvent(
        credentials,
        redactSecrets(await bus.listDeadLetters(req.query)),
      ),
    };
    res.json(response);
  });

  router.get('/dead-letters/redrives', async (req, res) => {
    const credentials = await access.credentials(req);
    res.json({
      items: await readableByEvent(
        credentials,
        await store.deadLetters.listRedrives(req.query),
      ),
    });
  });

  router.post(
    '/dead-letters/:subscriber/:eventId/redrive',
    async (req, res) => {
      const credentials = await access.credentials(req);
      const actor = await access.authorize(
        credentials,
        deadLetterRedrivePermission,
        're-drive dead letters',
      );
      const body = validBody<CommentRequest>(req);
      const { subscriber, eventId } = req.params;
      // What the caller may not read, they may not re-drive either; and a
      // re-drive makes sensors act again on the event's entities, so it needs
      // what retrying a run about them needs.
      const [readable] = await readableByEvent(credentials, [{ eventId }]);
      if (!readable) {
        throw new NotFoundError(
          `No dead letter of event '${eventId}' for subscriber '${subscriber}'`,
        );
      }
      const refsOf = await store.events.entityRefsByEvent({
        eventIds: [eventId],
      });
      await access.authorizeEntities(
        credentials,
        entityRunManagePermission,
        refsOf.get(eventId) ?? [],
        `re-drive event '${eventId}'`,
      );
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
      await store.deadLetters.recordRedrive(entry);
      res.json(entry);
    },
  );
}
