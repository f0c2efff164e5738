import {
  LinkConflict,
  OrchestrationEvent,
  eventEntityRefs,
} from '@edo/plugin-event-orchestration-common';
import { redactSecrets } from '../../shared/redaction/redactSecrets';
import { StoreDatabase, StoreTransaction, knexOf } from '../database';
import { timeValue } from '../dialect';
import { insertEntityLinks, iso, pageOf } from '../rows';
import { DbEventEntityRow, DbEventRow, LinkRetryReason } from '../tables';
import { EventLinkRetries } from './linkRetries';

/**
 * An event whose subject could not be linked to an entity when it was recorded:
 * linked again later by `EventRelinker` (see `catalog/`).
 */
export interface LinkRetry {
  subject: string;
  reason: LinkRetryReason;
  firstDelayMs: number;
}

/** What `GET /events` filters by. */
export interface EventQuery {
  entityRef?: string;
  type?: string;
  /** Only events received at or after this ISO time. */
  since?: string;
  limit?: number;
  cursor?: string;
}

/**
 * Events, the entities they concern (`edo_events`, `edo_event_entities`) and
 * the events waiting to be linked by subject (`edo_event_link_retries`).
 */
export class EventStore {
  /** Events waiting to be linked to an entity by their subject. */
  readonly linkRetries: EventLinkRetries;

  constructor(
    private readonly db: StoreDatabase,
    /** Configured secret values: scrubbed from stored events (a sender may paste a token), as are secret keys and credential-shaped text. */
    private readonly secrets: string[] = [],
  ) {
    this.linkRetries = new EventLinkRetries(db);
  }

  /**
   * Stores an event once; a second call with the same id changes nothing.
   * Returns when the backend first received it (epoch ms, this backend's
   * clock): correlation runs on it, not on the sender's `time`.
   */
  async recordEvent(options: {
    event: OrchestrationEvent;
    entityRefs: string[];
    linkRetry?: LinkRetry;
  }): Promise<{ receivedAt: number }> {
    const { event, entityRefs, linkRetry } = options;
    const now = new Date();
    return this.db.knex.transaction(async tx => {
      const inserted = await tx('edo_events')
        .insert({
          id: event.id,
          type: event.type,
          source: event.source,
          subject: event.subject ?? null,
          time: event.time,
          envelope: JSON.stringify(redactSecrets(event, this.secrets)),
          received_at: now.toISOString(),
        })
        .onConflict('id')
        .ignore()
        .returning('id');
      if (inserted.length > 0 && entityRefs.length > 0) {
        await insertEntityLinks(
          tx,
          'edo_event_entities',
          'event_id',
          [event.id],
          entityRefs,
        );
      }
      if (inserted.length > 0 && linkRetry) {
        await tx('edo_event_link_retries').insert({
          event_id: event.id,
          subject: linkRetry.subject,
          reason: linkRetry.reason,
          attempts: 0,
          received_at_ms: now.getTime(),
          next_attempt_at_ms: now.getTime() + linkRetry.firstDelayMs,
        });
      }
      if (inserted.length > 0) return { receivedAt: now.getTime() };
      // A redelivery keeps the first receive time.
      const row: Pick<DbEventRow, 'received_at'> | undefined = await tx(
        'edo_events',
      )
        .where({ id: event.id })
        .first('received_at');
      const first = Date.parse(iso(row?.received_at) ?? '');
      return { receivedAt: Number.isFinite(first) ? first : now.getTime() };
    });
  }

  /** One page of events, newest first. */
  async listEventRows(
    query: EventQuery,
  ): Promise<{ rows: DbEventRow[]; nextCursor?: string }> {
    return pageOf<DbEventRow>(this.db.knex, {
      table: 'edo_events',
      links: { table: 'edo_event_entities', column: 'event_id' },
      entityRef: query.entityRef,
      limit: query.limit,
      cursor: query.cursor,
      filter: q => {
        if (query.type) q.where('t.type', query.type);
        if (query.since)
          q.where(
            't.received_at',
            '>=',
            timeValue(this.db.dialect, new Date(query.since)),
          );
      },
    });
  }

  async getEventRow(options: { id: string }): Promise<DbEventRow | undefined> {
    return this.db.knex('edo_events').where({ id: options.id }).first();
  }

  /** The entity links of the given events. */
  async entityLinksOf(options: {
    eventIds: string[];
  }): Promise<DbEventEntityRow[]> {
    if (options.eventIds.length === 0) return [];
    return this.db
      .knex('edo_event_entities')
      .whereIn('event_id', options.eventIds);
  }

  /**
   * Subjects several entities claim: among the newest `window` events, those
   * whose subject linked them to more than one entity (refs an event names
   * itself are not claims), grouped by subject, newest first.
   */
  async linkConflicts(options: {
    limit: number;
    window?: number;
  }): Promise<LinkConflict[]> {
    const { knex } = this.db;
    const window = options.window ?? 100_000;
    // Bounded by the primary key, not by a scan of every stored event.
    const newest = await knex('edo_events').max({ seq: 'seq' }).first();
    // Grouped on the link table alone; the events' rows are read only for
    // the (at most 1000) events kept.
    const multiLinked: Array<{ event_id: string }> = await knex(
      'edo_event_entities as l',
    )
      .join('edo_events as e', 'e.id', 'l.event_id')
      .where('e.seq', '>', Number(newest?.seq ?? 0) - window)
      .whereNotNull('e.subject')
      .groupBy('l.event_id')
      .havingRaw('count(*) > 1')
      .select('l.event_id')
      .orderByRaw('max(e.seq) desc')
      .limit(1000);
    const eventIds = multiLinked.map(r => r.event_id);
    if (eventIds.length === 0) return [];
    const rows: Array<{
      id: string;
      subject: string;
      received_at: Date | string;
      envelope: string;
    }> = await knex('edo_events')
      .whereIn('id', eventIds)
      .select('id', 'subject', 'received_at', 'envelope')
      .orderBy('seq', 'desc');
    const linksOf = await this.entityRefsByEvent({ eventIds });
    const conflicts = new Map<string, LinkConflict>();
    for (const row of rows) {
      const named = new Set(
        eventEntityRefs(JSON.parse(row.envelope) as OrchestrationEvent).map(
          ref => ref.toLocaleLowerCase('en-US'),
        ),
      );
      const claimants = (linksOf.get(row.id) ?? [])
        .filter(ref => !named.has(ref))
        .sort();
      if (claimants.length < 2) continue;
      const known = conflicts.get(row.subject);
      if (known) {
        known.events++;
        known.entityRefs = [
          ...new Set([...known.entityRefs, ...claimants]),
        ].sort();
        continue;
      }
      conflicts.set(row.subject, {
        subject: row.subject,
        entityRefs: claimants,
        events: 1,
        lastEventId: row.id,
        lastSeenAt: iso(row.received_at)!,
      });
    }
    return [...conflicts.values()].slice(0, options.limit);
  }

  /** The entity refs each of the given events is linked to (absent: none). */
  async entityRefsByEvent(options: {
    eventIds: string[];
  }): Promise<Map<string, string[]>> {
    const refsOf = new Map<string, string[]>();
    for (const link of await this.entityLinksOf({
      eventIds: [...new Set(options.eventIds)],
    })) {
      const refs = refsOf.get(link.event_id);
      if (refs) refs.push(link.entity_ref);
      else refsOf.set(link.event_id, [link.entity_ref]);
    }
    return refsOf;
  }

  /** The stored events among `ids`, by id (a unit of work sees its own writes). */
  async eventsById(
    tx: StoreTransaction,
    options: { ids: string[] },
  ): Promise<Map<string, OrchestrationEvent>> {
    const rows: Array<Pick<DbEventRow, 'id' | 'envelope'>> = await knexOf(tx)(
      'edo_events',
    )
      .whereIn('id', options.ids)
      .select('id', 'envelope');
    return new Map(
      rows.map(row => [row.id, JSON.parse(row.envelope) as OrchestrationEvent]),
    );
  }

  /** Links events to entities; existing links stay. */
  async linkEntities(
    tx: StoreTransaction,
    options: { eventIds: string[]; entityRefs: string[] },
  ): Promise<void> {
    await insertEntityLinks(
      knexOf(tx),
      'edo_event_entities',
      'event_id',
      options.eventIds,
      options.entityRefs,
    );
  }

  /**
   * Retention: locks (PostgreSQL) at most `limit` events received before
   * `before`, after the one with sequence number `afterSeq`, oldest first.
   */
  async lockEventsReceivedBefore(
    tx: StoreTransaction,
    options: { before: Date; afterSeq: number; limit: number },
  ): Promise<Array<{ seq: number; id: string }>> {
    const rows: Array<Pick<DbEventRow, 'seq' | 'id'>> = await knexOf(tx)(
      'edo_events',
    )
      .where('received_at', '<', timeValue(this.db.dialect, options.before))
      .andWhere('seq', '>', options.afterSeq)
      .orderBy('seq')
      .limit(options.limit)
      .forUpdate()
      .select('seq', 'id');
    return rows.map(r => ({ seq: Number(r.seq), id: r.id }));
  }

  /** Retention: deletes events with their entity links and link retries. */
  async deleteEvents(
    tx: StoreTransaction,
    options: { ids: string[] },
  ): Promise<void> {
    const db = knexOf(tx);
    await db('edo_events').whereIn('id', options.ids).delete();
    await db('edo_event_entities').whereIn('event_id', options.ids).delete();
    await db('edo_event_link_retries')
      .whereIn('event_id', options.ids)
      .delete();
  }
}
