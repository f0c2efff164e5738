import { LoggerService } from '@backstage/backend-plugin-api';
import { JetStreamClient } from '@nats-io/jetstream';
import type { Consumer, JsMsg } from '@nats-io/jetstream';
import { OrchestrationEvent } from '@edo/plugin-event-orchestration-common';
import { EventHandler } from '@edo/plugin-event-orchestration-node';
import { eventTypeMatches } from '../../shared/eventTypes';
import { sleep } from '../../shared/timers/sleep';
import { OrderedTaskPool, orderingKey } from '../OrderedTaskPool';
import { redeliveryDelay } from '../redeliveryDelay';
import { NatsDeadLetters } from './deadLetters';
import { ResolvedNatsOptions } from './options';

/** What one subscriber's consume loops share. */
export interface NatsSubscriberContext {
  js: JetStreamClient;
  options: ResolvedNatsOptions;
  logger: LoggerService;
  deadLetters: NatsDeadLetters;
  /** The subscriber's name, as given to `subscribe`. */
  name: string;
  /** The subscriber's durable: it names its dead-letter subject. */
  durable: string;
  handler: EventHandler;
  eventTypes: string[] | undefined;
  /** Shared by the subscriber's loops: a re-driven event keeps its subject's order too. */
  pool: OrderedTaskPool;
}

/** A delivered message's event, or undefined when it is not JSON. */
function parseMessage(m: JsMsg): OrchestrationEvent | undefined {
  try {
    return m.json<OrchestrationEvent>();
  } catch {
    return undefined;
  }
}

/** Handles the messages of the durable consumer `consumerName` until closed. */
export async function startConsumeLoop(
  ctx: NatsSubscriberContext,
  consumerName: string,
): Promise<{ close(): Promise<void> }> {
  const { name, logger, pool } = ctx;
  const consumer: Consumer = await ctx.js.consumers.get(
    ctx.options.stream,
    consumerName,
  );
  let running = true;
  let messages = await consumer.consume({
    max_messages: ctx.options.batchSize,
  });
  const loop = (async () => {
    while (running) {
      try {
        for await (const m of messages) {
          // Parsed once: the ordering key (see OrderedTaskPool) and the handler use it.
          const event = parseMessage(m);
          await pool.submit(event ? orderingKey(event) : `seq:${m.seq}`, () =>
            handleMessage(ctx, m, event).catch(error =>
              logger.warn(
                `Subscriber '${name}' could not settle message ${m.seq}: ${error}`,
              ),
            ),
          );
          if (!running) break;
        }
      } catch (error) {
        logger.warn(
          `Subscriber '${name}' lost its consumer, resuming: ${error}`,
        );
      }
      // Consuming again may fail while the server is still away: keep trying.
      while (running) {
        await sleep(1000);
        if (!running) break;
        try {
          messages = await consumer.consume({
            max_messages: ctx.options.batchSize,
          });
          // close() may have come while consume() was in flight.
          if (!running) await messages.close();
          break;
        } catch (error) {
          logger.warn(`Subscriber '${name}' cannot consume yet: ${error}`);
        }
      }
    }
  })();
  return {
    close: async () => {
      running = false;
      // Close while the loop runs (see NATS-NOTES), then wait for it to end
      // and for the handler calls still running to ack or nak.
      await messages.close();
      await loop;
      await pool.drain();
    },
  };
}

/** Runs the handler on one message, then acks, naks with back-off, or dead-letters it. */
async function handleMessage(
  ctx: NatsSubscriberContext,
  m: JsMsg,
  event: OrchestrationEvent | undefined,
) {
  const { name, options, logger } = ctx;
  const attempt = m.info.deliveryCount;
  if (!event) {
    m.term(); // not JSON: no delivery can help
    return;
  }
  if (!eventTypeMatches(event.type, ctx.eventTypes)) {
    m.ack();
    return;
  }
  try {
    await ctx.handler(event, { attempt });
    m.ack();
  } catch (error) {
    if (attempt >= options.maxDeliver) {
      logger.warn(
        `Subscriber '${name}' gave up on event ${event.id} after ${attempt} deliveries: ${error}`,
      );
      await ctx.deadLetters.record({
        subscriber: name,
        durable: ctx.durable,
        message: m,
        event,
        attempt,
        error,
      });
      // 2.9 ignores a term with a reason: terminate without one.
      m.term();
    } else {
      const delay = redeliveryDelay(options.backoffMs, attempt);
      logger.warn(
        `Subscriber '${name}' failed on delivery ${attempt} of ${event.id}, redelivery in ${delay} ms: ${error}`,
      );
      m.nak(delay);
    }
  }
}
