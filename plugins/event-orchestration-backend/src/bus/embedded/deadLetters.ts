import {
  DeadLetter,
  OrchestrationEvent,
} from '@edo/plugin-event-orchestration-common';
import { Knex } from 'knex';

/**
 * Dead delivery rows joined with their messages. A dead row keeps its attempts
 * and last error; its `available_at` is set to the time it died (dead rows are
 * never claimed, so the column is free).
 */
function deadLetterQuery(knex: Knex) {
  return knex('edo_bus_deliveries as d')
    .join('edo_bus_messages as m', 'm.seq', 'd.seq')
    .where('d.status', 'dead')
    .select(
      'd.consumer',
      'd.seq',
      'd.attempts',
      'd.last_error',
      'd.available_at',
      'm.event_id',
      'm.event_type',
      'm.payload',
    );
}

function toDeadLetter(row: any): DeadLetter {
  let subject: string | undefined;
  try {
    subject = (JSON.parse(row.payload) as OrchestrationEvent).subject;
  } catch {
    subject = undefined;
  }
  return {
    subscriber: row.consumer,
    eventId: row.event_id,
    eventType: row.event_type,
    ...(subject ? { subject } : {}),
    attempts: Number(row.attempts),
    ...(row.last_error ? { lastError: row.last_error } : {}),
    deadLetteredAt: new Date(Number(row.available_at)).toISOString(),
  };
}

/** Dead letters, oldest first. */
export async function listDeadLetters(
  knex: Knex,
  options: { subscriber?: string; limit?: number } = {},
): Promise<DeadLetter[]> {
  const query = deadLetterQuery(knex)
    .orderBy('d.available_at', 'asc')
    .orderBy('d.seq', 'asc')
    .limit(options.limit ?? 500);
  if (options.subscriber !== undefined)
    query.andWhere('d.consumer', options.subscriber);
  return (await query).map(toDeadLetter);
}

/**
 * Makes a subscriber's dead delivery of an event pending again, with fresh
 * attempts. Returns what was re-driven, or undefined when there was nothing
 * (or a concurrent re-drive took it).
 */
export async function redriveDeadLetter(
  knex: Knex,
  subscriber: string,
  eventId: string,
): Promise<DeadLetter | undefined> {
  const row = await deadLetterQuery(knex)
    .andWhere('d.consumer', subscriber)
    .andWhere('m.event_id', eventId)
    .first();
  if (!row) return undefined;
  // Guarded by the status: of two concurrent re-drives only one changes the row.
  const updated = await knex('edo_bus_deliveries')
    .where({ consumer: subscriber, seq: row.seq, status: 'dead' })
    .update({
      status: 'pending',
      attempts: 0,
      available_at: Date.now(),
      locked_until: null,
      locked_by: null,
      last_error: null,
    });
  if (updated !== 1) return undefined;
  return toDeadLetter(row);
}
