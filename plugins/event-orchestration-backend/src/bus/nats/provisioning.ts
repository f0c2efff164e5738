import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { ResolvedNatsOptions } from './options';
import {
  DEAD_LETTER_PREFIX,
  EVENTS_PREFIX,
  REDRIVE_PREFIX,
  durableName,
  redriveDurableName,
  redriveSubject,
  subjectOf,
} from './subjects';

/**
 * Creates the stream or updates its limits, never deleting data. One stream
 * holds the events, the dead letters and the re-drives.
 */
export async function ensureStream(
  jsm: JetStreamManager,
  o: ResolvedNatsOptions,
): Promise<void> {
  const config = {
    subjects: [
      `${EVENTS_PREFIX}.>`,
      `${DEAD_LETTER_PREFIX}.>`,
      `${REDRIVE_PREFIX}.>`,
    ],
    max_age: nanos(o.maxAgeMs),
    max_bytes: o.maxBytes,
    duplicate_window: nanos(Math.min(o.duplicateWindowMs, o.maxAgeMs)),
  };
  try {
    await jsm.streams.info(o.stream);
    await jsm.streams.update(o.stream, config);
  } catch (error) {
    if (!/stream not found/i.test(String(error))) throw error;
    await jsm.streams.add({
      name: o.stream,
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      ...config,
    });
  }
}

/** Creates a durable pull consumer, or updates the settings we own on an existing one. */
export async function ensureConsumer(
  jsm: JetStreamManager,
  o: ResolvedNatsOptions,
  durable: string,
  filterSubject: string,
): Promise<string> {
  const config = {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.New,
    filter_subject: filterSubject,
    max_deliver: o.maxDeliver,
    ack_wait: nanos(o.ackWaitMs),
    max_ack_pending: o.maxAckPending,
  };
  try {
    await jsm.consumers.info(o.stream, durable);
    await jsm.consumers.update(o.stream, durable, {
      filter_subject: config.filter_subject,
      max_deliver: config.max_deliver,
      ack_wait: config.ack_wait,
      max_ack_pending: config.max_ack_pending,
    });
  } catch (error) {
    if (!/consumer not found/i.test(String(error))) throw error;
    await jsm.consumers.add(o.stream, config);
  }
  return durable;
}

/** A subscriber's re-drive consumer, reading `edo.redrive.<durable>`. */
export function ensureRedriveConsumer(
  jsm: JetStreamManager,
  o: ResolvedNatsOptions,
  subscriber: string,
): Promise<string> {
  return ensureConsumer(
    jsm,
    o,
    redriveDurableName(subscriber),
    redriveSubject(durableName(subscriber)),
  );
}

/** The subscriber's durable consumer (new messages from its creation on) and its re-drive consumer. */
export async function ensureSubscriberConsumers(
  jsm: JetStreamManager,
  o: ResolvedNatsOptions,
  name: string,
  eventTypes?: string[],
): Promise<{ durable: string; redriveDurable: string }> {
  // One type filters on the server; several (or a prefix) in the client, as
  // 2.9 has no `filter_subjects`.
  const single =
    eventTypes?.length === 1 && !eventTypes[0].endsWith('.*')
      ? eventTypes[0]
      : undefined;
  const durable = await ensureConsumer(
    jsm,
    o,
    durableName(name),
    single ? subjectOf(single) : `${EVENTS_PREFIX}.>`,
  );
  const redriveDurable = await ensureRedriveConsumer(jsm, o, name);
  return { durable, redriveDurable };
}
