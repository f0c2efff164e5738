import type { OrchestrationDatabase } from '../store';

/**
 * Events received before `before`, after the one with sequence number
 * `afterSeq`, at most `limit`, with their entity links, verdicts and link
 * retries, in one unit of work across the areas that hold them. Events that a
 * pending or running run was started from (the run reads them), or that
 * correlation state or a debounced fire still holds, stay. `lastSeq` is where
 * the next chunk starts; undefined when there is nothing further.
 */
export async function deleteEvents(
  store: Pick<
    OrchestrationDatabase,
    'events' | 'evaluations' | 'runs' | 'correlation' | 'transaction'
  >,
  options: { before: Date; afterSeq: number; limit: number },
): Promise<{ deleted: number; lastSeq?: number }> {
  return store.transaction(async tx => {
    const candidates = await store.events.lockEventsReceivedBefore(tx, options);
    if (candidates.length === 0) return { deleted: 0 };
    const eventIds = candidates.map(c => c.id);
    const held = new Set([
      ...(await store.runs.eventsOfUnfinishedRuns(tx)),
      ...(await store.correlation.heldEvents(tx, { eventIds })),
    ]);
    const doomed = eventIds.filter(id => !held.has(id));
    const lastSeq = candidates[candidates.length - 1].seq;
    if (doomed.length === 0) return { deleted: 0, lastSeq };
    await store.events.deleteEvents(tx, { ids: doomed });
    await store.evaluations.deleteVerdictsOf(tx, { eventIds: doomed });
    await store.runs.linkRetries.forgetOf(tx, { eventIds: doomed });
    return { deleted: doomed.length, lastSeq };
  });
}
