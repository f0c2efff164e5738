import { Knex } from 'knex';
import { parseIds, parseJson } from '../rows';
import { DbSensorDebounceRow } from '../tables';

/** A fire parked until events of its group stop arriving. */
export interface DebouncedFire {
  sensor: string;
  group: string;
  /** Epoch ms, wall clock. */
  dueAt: number;
  triggerEventIds: string[];
  entityRefs: string[];
}

/** Parks (or pushes back) a debounced fire; trigger events accumulate. */
export async function parkDebounced(
  tx: Knex.Transaction,
  fire: DebouncedFire,
): Promise<void> {
  const key = { sensor: fire.sensor, group_key: fire.group };
  const existing: DbSensorDebounceRow | undefined = await tx(
    'edo_sensor_debounce',
  )
    .where(key)
    .first();
  const triggers = [
    ...new Set([
      ...(existing ? parseIds(existing.trigger_event_ids) : []),
      ...fire.triggerEventIds,
    ]),
  ];
  const row = {
    due_at: fire.dueAt,
    trigger_event_ids: JSON.stringify(triggers),
    entity_refs: JSON.stringify(fire.entityRefs),
  };
  if (existing) {
    await tx('edo_sensor_debounce').where(key).update(row);
  } else {
    await tx('edo_sensor_debounce').insert({ ...key, ...row });
  }
}

/** Fires due at `now` (epoch ms). */
export async function dueDebounces(
  knex: Knex,
  now: number,
): Promise<DebouncedFire[]> {
  const rows: DbSensorDebounceRow[] = await knex('edo_sensor_debounce')
    .where('due_at', '<=', now)
    .select();
  return rows.map(row => ({
    sensor: row.sensor,
    group: row.group_key,
    dueAt: Number(row.due_at),
    triggerEventIds: parseIds(row.trigger_event_ids),
    entityRefs: parseJson<string[]>(row.entity_refs, []),
  }));
}

/**
 * Takes a due fire for the caller's unit of work: true only if nobody pushed
 * it back or fired it meanwhile.
 */
export async function takeDebounced(
  tx: Knex.Transaction,
  fire: Pick<DebouncedFire, 'sensor' | 'group' | 'dueAt'>,
): Promise<boolean> {
  const taken = await tx('edo_sensor_debounce')
    .where({ sensor: fire.sensor, group_key: fire.group, due_at: fire.dueAt })
    .delete();
  return taken === 1;
}
