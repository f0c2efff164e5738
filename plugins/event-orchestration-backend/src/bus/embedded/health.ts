import { EventBusHealth } from '@edo/plugin-event-orchestration-node';
import { Knex } from 'knex';

/** Pending, leased and dead deliveries of every declared subscriber. */
export async function consumerStats(
  knex: Knex,
  now = Date.now(),
): Promise<EventBusHealth['consumers']> {
  const consumers = await knex('edo_bus_consumers')
    .select('name')
    .orderBy('name');
  return Promise.all(
    consumers.map(async ({ name }) => {
      const rows = await knex('edo_bus_deliveries')
        .where({ consumer: name })
        .select(
          knex.raw(
            `sum(case when status = 'pending' and (locked_until is null or locked_until < ?) then 1 else 0 end) as pending`,
            [now],
          ),
          knex.raw(
            `sum(case when status = 'pending' and locked_until >= ? then 1 else 0 end) as ack_pending`,
            [now],
          ),
          knex.raw(`sum(case when status = 'dead' then 1 else 0 end) as dead`),
        );
      const row = rows[0] ?? {};
      return {
        name,
        pending: Number(row.pending ?? 0),
        ackPending: Number(row.ack_pending ?? 0),
        deadLettered: Number(row.dead ?? 0),
      };
    }),
  );
}
