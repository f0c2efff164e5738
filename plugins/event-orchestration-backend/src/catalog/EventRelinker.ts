import { LoggerService } from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { Knex } from 'knex';
import type { LinkRetry } from '../store/OrchestrationStore';

/** When an event whose subject could not be linked is first looked up again. */
export const FIRST_RELINK_DELAY_MS = 10_000;
/** Then each wait doubles, up to this. */
const MAX_RELINK_DELAY_MS = 30 * 60_000;
/**
 * How long an event is looked up again. A subject the catalog does not know is
 * usually a component registered moments after its first event (a template's
 * run, the catalog's next processing round); after a quarter of an hour it
 * concerns no entity. An outage of the catalog is waited out for a day.
 */
const GIVE_UP_AFTER_MS: Record<LinkRetry['reason'], number> = {
  'no-entity': 15 * 60_000,
  'catalog-unreachable': 24 * 60 * 60_000,
};
/** Subjects per pass (one catalog lookup each). */
const SUBJECTS_PER_PASS = 100;
/** Rows per statement (SQLite allows 999 bound values). */
const CHUNK = 200;

export interface RelinkPass {
  /** Events linked to at least one entity in this pass. */
  linked: number;
  /** Events whose next attempt was put off. */
  postponed: number;
  /** Events no longer looked up (past their reason's window). */
  gaveUp: number;
}

function chunks<T>(items: T[]): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) {
    result.push(items.slice(i, i + CHUNK));
  }
  return result;
}

/** Links each of `ids` to each of `entityRefs` in an entity table; existing links stay. */
async function insertLinks(
  tx: Knex.Transaction,
  table: 'edo_event_entities' | 'edo_run_entities',
  idColumn: 'event_id' | 'run_id',
  ids: string[],
  entityRefs: string[],
) {
  const rows = ids.flatMap(id =>
    entityRefs.map(ref => ({ [idColumn]: id, entity_ref: ref })),
  );
  for (const part of chunks(rows)) {
    await tx(table).insert(part).onConflict([idColumn, 'entity_ref']).ignore();
  }
}

/**
 * Links events recorded while their subject matched no entity (the catalog was
 * unreachable, or did not know the entity yet) once the catalog knows better:
 * one lookup per subject and pass, all of that subject's waiting events linked
 * together, with the runs started from them that concern no entity. Run by the
 * scheduler on one replica at a time.
 */
export class EventRelinker {
  constructor(
    private readonly deps: {
      knex: Knex;
      entities: { entitiesForSubject(subject: string): Promise<Entity[]> };
      logger: LoggerService;
      /** Called for each event once it is linked (live views update). */
      onLinked?: (eventId: string, entityRefs: string[]) => void;
    },
  ) {}

  async relinkDue(now = Date.now()): Promise<RelinkPass> {
    const { knex } = this.deps;
    const pass: RelinkPass = { linked: 0, postponed: 0, gaveUp: 0 };
    const subjects: string[] = (
      await knex('edo_event_link_retries')
        .where('next_attempt_at_ms', '<=', now)
        .distinct('subject')
        .orderBy('subject')
        .limit(SUBJECTS_PER_PASS)
    ).map(row => row.subject);
    for (const subject of subjects) {
      let entities: Entity[];
      try {
        entities = await this.deps.entities.entitiesForSubject(subject);
      } catch {
        // The catalog is down: every due event waits, none is asked about now.
        await this.postpone(undefined, 'catalog-unreachable', now, pass);
        return pass;
      }
      if (entities.length === 0) {
        await this.postpone(subject, 'no-entity', now, pass);
      } else {
        await this.link(
          subject,
          entities.map(e => stringifyEntityRef(e).toLocaleLowerCase('en-US')),
          pass,
        );
      }
    }
    if (pass.linked > 0 || pass.gaveUp > 0) {
      this.deps.logger.info(
        `Linked ${pass.linked} earlier event(s) to catalog entities by subject; ${pass.gaveUp} no longer looked up`,
      );
    }
    return pass;
  }

  /** Every waiting event of the subject, due or not: its entities are known now. */
  private async link(subject: string, entityRefs: string[], pass: RelinkPass) {
    const eventIds = await this.deps.knex.transaction(async tx => {
      const ids: string[] = (
        await tx('edo_event_link_retries').where({ subject }).select('event_id')
      ).map(row => row.event_id);
      await insertLinks(tx, 'edo_event_entities', 'event_id', ids, entityRefs);
      for (const part of chunks(ids)) {
        // Runs started from these events that concern no entity get theirs.
        const runIds: string[] = (
          await tx('edo_run_link_retries')
            .whereIn('event_id', part)
            .select('run_id')
        ).map(row => row.run_id);
        await insertLinks(tx, 'edo_run_entities', 'run_id', runIds, entityRefs);
        await tx('edo_run_link_retries').whereIn('event_id', part).delete();
        await tx('edo_event_link_retries').whereIn('event_id', part).delete();
      }
      return ids;
    });
    pass.linked += eventIds.length;
    for (const id of eventIds) this.deps.onLinked?.(id, entityRefs);
  }

  /**
   * Due events of the subject (all subjects when undefined) wait twice as long
   * as last time, or are dropped once past their reason's window: two
   * statements, however many events a busy subject has waiting.
   */
  private async postpone(
    subject: string | undefined,
    reason: LinkRetry['reason'],
    now: number,
    pass: RelinkPass,
  ) {
    const { knex } = this.deps;
    const due = () =>
      knex('edo_event_link_retries')
        .where('next_attempt_at_ms', '<=', now)
        .modify(query => {
          if (subject !== undefined) query.where({ subject });
        });
    const gaveUp = await due()
      .where('received_at_ms', '<=', now - GIVE_UP_AFTER_MS[reason])
      .delete();
    // The next wait for each number of attempts so far, in SQL.
    const waits = Array.from(
      { length: 16 },
      (_, attempts) =>
        `WHEN ${attempts} THEN ${Math.min(
          FIRST_RELINK_DELAY_MS * 2 ** (attempts + 1),
          MAX_RELINK_DELAY_MS,
        )}`,
    ).join(' ');
    const postponed = await due().update({
      attempts: knex.raw('?? + 1', ['attempts']),
      reason,
      next_attempt_at_ms: knex.raw(
        `CAST(? AS BIGINT) + CASE ?? ${waits} ELSE ${MAX_RELINK_DELAY_MS} END`,
        [now, 'attempts'],
      ),
    });
    if (Number(gaveUp) > 0) {
      await knex('edo_run_link_retries')
        .whereNotIn(
          'event_id',
          knex('edo_event_link_retries').select('event_id'),
        )
        .delete();
    }
    pass.gaveUp += Number(gaveUp);
    pass.postponed += Number(postponed);
  }
}
