import { LoggerService } from '@backstage/backend-plugin-api';
import { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { JsMsg } from '@nats-io/jetstream';
import { MsgHdrs, headers } from '@nats-io/transport-node';
import {
  DeadLetter,
  OrchestrationEvent,
} from '@edo/plugin-event-orchestration-common';
import { ResolvedNatsOptions } from './options';
import { ensureRedriveConsumer } from './provisioning';
import {
  DEAD_LETTER_PREFIX,
  deadLetterSubjects,
  durableName,
  redriveSubject,
} from './subjects';

/** Headers of a dead-letter copy: what the bus knew when it gave up. */
const HEADER_SUBSCRIBER = 'Edo-Subscriber';
const HEADER_ATTEMPTS = 'Edo-Attempts';
const HEADER_LAST_ERROR = 'Edo-Last-Error';

/** A dead-letter copy as stored in the stream. */
interface StoredDeadLetter {
  seq: number;
  data: Uint8Array;
  deadLetter: DeadLetter;
}

/**
 * Dead letters on the stream: a copy of the message on
 * `edo.deadletter.<durable>.<event hash>` with headers saying why, listed with
 * ephemeral consumers and re-driven to the subscriber's re-drive consumer.
 */
export class NatsDeadLetters {
  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly options: ResolvedNatsOptions,
    private readonly logger: LoggerService,
  ) {}

  /** Copies a message a subscriber gave up on to its dead-letter subject; never throws. */
  async record(options: {
    subscriber: string;
    durable: string;
    message: JsMsg;
    event: OrchestrationEvent;
    attempt: number;
    error: unknown;
  }): Promise<void> {
    const { subscriber, durable, message: m, event, attempt, error } = options;
    const h = headers();
    h.set(HEADER_SUBSCRIBER, subscriber);
    h.set(HEADER_ATTEMPTS, String(attempt));
    // Header values are one line of printable text.
    h.set(
      HEADER_LAST_ERROR,
      String(error)
        .replace(/[^\x20-\x7e]+/g, ' ')
        .slice(0, 1000),
    );
    await this.js
      .publish(deadLetterSubjects(subscriber).of(event.id), m.data, {
        // The message's own sequence: a re-driven event that fails again is
        // dead-lettered again, inside the duplicate window too.
        msgID: `${durable}:${event.id}:${m.seq}`,
        headers: h,
      })
      .catch(e => this.logger.error(`Could not dead-letter ${event.id}: ${e}`));
  }

  async list(
    options: { subscriber?: string; limit?: number } = {},
  ): Promise<DeadLetter[]> {
    const limit = options.limit ?? 500;
    if (options.subscriber === undefined) {
      return (await this.read(`${DEAD_LETTER_PREFIX}.>`, limit)).map(
        d => d.deadLetter,
      );
    }
    // nats-server 2.9 filters one subject per consumer: the per-event subjects
    // and the legacy one are read apart, then merged in stream order.
    const subjects = deadLetterSubjects(options.subscriber);
    const found = [
      ...(await this.read(subjects.all, limit)),
      ...(await this.read(subjects.legacy, limit)),
    ];
    return found
      .sort((a, b) => a.seq - b.seq)
      .slice(0, limit)
      .map(d => d.deadLetter);
  }

  async redrive(
    subscriber: string,
    eventId: string,
  ): Promise<DeadLetter | undefined> {
    const durable = durableName(subscriber);
    const subjects = deadLetterSubjects(subscriber);
    // This event's own subject holds its copies (one per time it died); only
    // copies from before that layout need the scan of the legacy subject.
    const copies = [
      ...(await this.read(subjects.of(eventId), 1_000)),
      ...(await this.read(subjects.legacy, 10_000)).filter(
        d => d.deadLetter.eventId === eventId,
      ),
    ].sort((a, b) => a.seq - b.seq);
    if (copies.length === 0) return undefined;
    const [first] = copies;
    // The re-drive consumer normally exists since the subscriber subscribed;
    // made here too so a re-drive is never published where nobody reads it.
    await ensureRedriveConsumer(this.jsm, this.options, subscriber);
    // The msgID makes a concurrent second re-drive of this copy a duplicate.
    await this.js.publish(redriveSubject(durable), first.data, {
      msgID: `redrive:${durable}:${first.seq}`,
      timeout: this.options.publishTimeoutMs,
    });
    // Only whoever removes the copy re-drove it; the other finds nothing.
    let removed = false;
    for (const copy of copies) {
      if (
        await this.jsm.streams
          .deleteMessage(this.options.stream, copy.seq, false)
          .catch(() => false)
      ) {
        removed = true;
      }
    }
    return removed ? first.deadLetter : undefined;
  }

  /**
   * Reads the dead-letter copies under `filter` with an ordered (ephemeral)
   * consumer; the stream's per-subject counts say how many to wait for.
   */
  private async read(
    filter: string,
    limit: number,
  ): Promise<StoredDeadLetter[]> {
    const info = await this.jsm.streams.info(this.options.stream, {
      subjects_filter: filter,
    });
    const total = Object.values(info.state.subjects ?? {}).reduce(
      (sum, n) => sum + Number(n),
      0,
    );
    const wanted = Math.min(total, limit);
    if (wanted === 0) return [];
    const consumer = await this.js.consumers.get(this.options.stream, {
      filter_subjects: filter,
    });
    const found: StoredDeadLetter[] = [];
    try {
      while (found.length < wanted) {
        const batch = await consumer.fetch({
          max_messages: wanted - found.length,
          expires: 2000,
        });
        let got = 0;
        for await (const m of batch) {
          got++;
          found.push(toStoredDeadLetter(m));
        }
        // Fewer than counted: some were removed (re-driven) meanwhile.
        if (got === 0) break;
      }
    } finally {
      await consumer.delete().catch(() => false);
    }
    return found;
  }
}

function toStoredDeadLetter(m: JsMsg): StoredDeadLetter {
  const h: MsgHdrs | undefined = m.headers;
  let event: Partial<OrchestrationEvent> = {};
  try {
    event = m.json<OrchestrationEvent>();
  } catch {
    event = {};
  }
  const attempts = Number(h?.get(HEADER_ATTEMPTS) || NaN);
  const lastError = h?.get(HEADER_LAST_ERROR);
  // `edo.deadletter.<durable>[.<event hash>]`: durable names hold no dots.
  const durable = m.subject.slice(DEAD_LETTER_PREFIX.length + 1).split('.')[0];
  return {
    seq: m.seq,
    data: m.data,
    deadLetter: {
      // The name as /health shows it (durable names are the sanitized name).
      subscriber: durable.slice('edo_'.length),
      eventId: String(event.id ?? ''),
      eventType: String(event.type ?? ''),
      ...(event.subject ? { subject: event.subject } : {}),
      ...(Number.isFinite(attempts) ? { attempts } : {}),
      ...(lastError ? { lastError } : {}),
      deadLetteredAt: m.time.toISOString(),
    },
  };
}
