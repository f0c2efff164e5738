import { NatsConnectionSettings } from '../../shared/nats/natsConnection';

/** Settings of the NATS JetStream bus, `eventOrchestration.bus.nats`. */
export interface NatsEventBusOptions extends NatsConnectionSettings {
  /** Stream name; default EVENT_ORCHESTRATION. */
  stream?: string;
  /** Oldest event kept, ms; default 7 days. */
  maxAgeMs?: number;
  /** Largest stream size, bytes; default unlimited (-1). */
  maxBytes?: number;
  /** Window in which a re-published id is dropped, ms; default 2 minutes. */
  duplicateWindowMs?: number;
  /** Deliveries before an event is dead-lettered; default 5. */
  maxDeliver?: number;
  /** Redelivery delays after failures, ms (the last repeats). */
  backoffMs?: number[];
  /** How long a delivery may stay unacknowledged, ms; default 60 s. */
  ackWaitMs?: number;
  /** Messages fetched at once per subscriber and process; default 10. */
  batchSize?: number;
  /** Unacknowledged messages per subscriber across all processes; default 1000. */
  maxAckPending?: number;
  /** A publish that the server has not acknowledged by then fails; default 5 s. */
  publishTimeoutMs?: number;
}

const DEFAULTS = {
  stream: 'EVENT_ORCHESTRATION',
  maxAgeMs: 7 * 24 * 3600_000,
  maxBytes: -1,
  duplicateWindowMs: 2 * 60_000,
  maxDeliver: 5,
  backoffMs: [1_000, 5_000, 30_000, 120_000],
  ackWaitMs: 60_000,
  batchSize: 10,
  maxAckPending: 1000,
  publishTimeoutMs: 5_000,
};

/** The bus's settings with every default filled in. */
export type ResolvedNatsOptions = typeof DEFAULTS & NatsEventBusOptions;

/** Options over defaults; an option given as `undefined` (not configured) keeps the default. */
export function withDefaults(
  options: NatsEventBusOptions,
): ResolvedNatsOptions {
  const given = Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  );
  return { ...DEFAULTS, ...given } as ResolvedNatsOptions;
}
