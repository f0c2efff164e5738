import { LoggerService } from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import type { LinkRetryReason, OrchestrationDatabase } from '../store';

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
const GIVE_UP_AFTER_MS: Record<LinkRetryReason, number> = {
  'no-entity': 15 * 60_000,
  'catalog-unreachable': 24 * 60 * 60_000,
};
/** Subjects per pass (one catalog lookup each). */
const SUBJECTS_PER_PASS = 100;

export interface RelinkPass {
  /** Events linked to at least one entity in this pass. */
  linked: number;
  /** Events whose next attempt was put off. */
  postponed: number;
  /** Events no longer looked up (past their reason's window). */
  gaveUp: number;
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
      store: Pick<OrchestrationDatabase, 'events' | 'runs' | 'transaction'>;
      entities: { entitiesForSubject(subject: string): Promise<Entity[]> };
      logger: LoggerService;
      /** Called for each event once it is linked (live views update). */
      onLinked?: (eventId: string, entityRefs: string[]) => void;
    },
  ) {}

  async relinkDue(now = Date.now()): Promise<RelinkPass> {
    const pass: RelinkPass = { linked: 0, postponed: 0, gaveUp: 0 };
    const subjects = await this.deps.store.events.linkRetries.dueSubjects({
      now,
      limit: SUBJECTS_PER_PASS,
    });
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
    const { store } = this.deps;
    const eventIds = await store.transaction(async tx => {
      const ids = await store.events.linkRetries.waitingEventsOf(tx, {
        subject,
      });
      await store.events.linkEntities(tx, { eventIds: ids, entityRefs });
      // Runs started from these events that concern no entity get theirs.
      await store.runs.linkRetries.linkRunsOf(tx, {
        eventIds: ids,
        entityRefs,
      });
      await store.events.linkRetries.forget(tx, { eventIds: ids });
      return ids;
    });
    pass.linked += eventIds.length;
    for (const id of eventIds) this.deps.onLinked?.(id, entityRefs);
  }

  /**
   * Due events of the subject (all subjects when undefined) wait twice as long
   * as last time, or are dropped once past their reason's window.
   */
  private async postpone(
    subject: string | undefined,
    reason: LinkRetryReason,
    now: number,
    pass: RelinkPass,
  ) {
    const { store } = this.deps;
    const { gaveUp, postponed } = await store.events.linkRetries.postpone({
      subject,
      reason,
      now,
      giveUpReceivedBefore: now - GIVE_UP_AFTER_MS[reason],
      firstDelayMs: FIRST_RELINK_DELAY_MS,
      maxDelayMs: MAX_RELINK_DELAY_MS,
    });
    if (gaveUp > 0) await store.runs.linkRetries.forgetWhereEventGaveUp();
    pass.gaveUp += gaveUp;
    pass.postponed += postponed;
  }
}
