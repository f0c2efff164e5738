import { ServiceUnavailableError } from '@backstage/errors';
import { WebhookResponse } from '@edo/plugin-event-orchestration-common';
import express from 'express';
import Router from 'express-promise-router';
import { RateLimitedError } from '../../sources';
import { RouterOptions } from '../types';

/**
 * `POST /webhooks/:source`. Served before the JSON routes and outside the spec
 * validator: the body is read as bytes, since signatures are over exactly what
 * was sent, and the decoding and JSON errors are the source's to explain.
 */
export function registerWebhookRoutes(
  router: ReturnType<typeof Router>,
  { sources, bus, logger }: Pick<RouterOptions, 'sources' | 'bus' | 'logger'>,
) {
  router.post(
    '/webhooks/:source',
    express.raw({ type: () => true, limit: sources.maxBodyBytes() }),
    async (req, res) => {
      const headers: Record<string, string | undefined> = {};
      for (const [key, value] of Object.entries(req.headers)) {
        headers[key.toLowerCase()] = Array.isArray(value) ? value[0] : value;
      }
      let received;
      try {
        received = await sources.receive({
          sourceName: req.params.source,
          headers,
          body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
        });
      } catch (error) {
        if (error instanceof RateLimitedError)
          res.setHeader('Retry-After', String(error.retryAfterSeconds));
        throw error;
      }
      const { events, reply } = received;
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
      // A person reads Slack's answer: the source words it (202 would show as an error).
      if (reply) {
        res.status(reply.status).json(reply.body);
        return;
      }
      const response: WebhookResponse = { eventIds: events.map(e => e.id) };
      res.status(202).json(response);
    },
  );
}
