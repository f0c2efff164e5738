import { JetStreamManager } from '@nats-io/jetstream';
import { EventBusHealth } from '@edo/plugin-event-orchestration-node';
import { DEAD_LETTER_PREFIX } from './subjects';

/** Pending, unacknowledged and dead-lettered counts of every subscriber's durable. */
export async function consumerStats(
  jsm: JetStreamManager,
  stream: string,
): Promise<EventBusHealth['consumers']> {
  const consumers: EventBusHealth['consumers'] = [];
  for await (const info of jsm.consumers.list(stream)) {
    const durable = info.config.durable_name ?? info.name;
    // Subscribers only: re-drive (`edor_`) and ephemeral consumers are not listed.
    if (!durable.startsWith('edo_')) continue;
    let deadLettered = 0;
    try {
      // `edo.deadletter.<durable>` (legacy) and every `edo.deadletter.<durable>.<event>`.
      const perEvent = await jsm.streams.info(stream, {
        subjects_filter: `${DEAD_LETTER_PREFIX}.${durable}.>`,
      });
      const legacy = await jsm.streams.info(stream, {
        subjects_filter: `${DEAD_LETTER_PREFIX}.${durable}`,
      });
      deadLettered = [perEvent, legacy]
        .flatMap(found => Object.values(found.state.subjects ?? {}))
        .reduce((sum: number, n) => sum + Number(n), 0);
    } catch {
      deadLettered = 0;
    }
    consumers.push({
      name: durable.slice(4),
      pending: info.num_pending,
      ackPending: info.num_ack_pending,
      deadLettered,
    });
  }
  return consumers;
}
