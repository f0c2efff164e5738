import { NotFoundError } from '@backstage/errors';
import {
  CommentRequest,
  DeadLetterRedrive,
  DeadLettersResponse,
  deadLetterRedrivePermission,
} from '@edo/plugin-event-orchestration-common';
import { redactSecrets } from '../../shared/redaction/redactSecrets';
import { validBody } from '../requestValidation';
import { ApiRouter, RouteContext } from '../types';

/** Events subscribers gave up on, re-driving one by hand, and the record of re-drives. */
export function registerDeadLetterRoutes(router: ApiRouter, ctx: RouteContext) {
  const { store, bus, logger, access } = ctx;

  router.get('/dead-letters', async (req, res) => {
    // A subscriber's error may carry a credential; the bus stores it as thrown.
    const response: DeadLettersResponse = {
      items: redactSecrets(await bus.listDeadLetters(req.query)),
    };
    res.json(response);
  });

  router.get('/dead-letters/redrives', async (req, res) => {
    res.json({ items: await store.deadLetters.listRedrives(req.query) });
  });

  router.post(
    '/dead-letters/:subscriber/:eventId/redrive',
    async (req, res) => {
      const actor = await access.authorizeCaller(
        req,
        deadLetterRedrivePermission,
        're-drive dead letters',
      );
      const body = validBody<CommentRequest>(req);
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
      await store.deadLetters.recordRedrive(entry);
      res.json(entry);
    },
  );
}
