import { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import {
  Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  LINKING_ANNOTATIONS,
  OrchestrationEvent,
  eventEntityRefs,
} from '@edo/plugin-event-orchestration-common';

/**
 * Lookups remembered for `ttlMs`, at most `maxEntries` of them: event subjects
 * come from senders, so without a bound a stream of distinct subjects would
 * grow the cache for as long as the process runs. A Map keeps insertion order,
 * so re-inserting on every hit makes its first key the least recently used
 * (lru-cache is in the tree only as a transitive dependency).
 */
class LruCache<T> {
  private readonly entries = new Map<string, { value: T; expiresAt: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
  ) {}

  /** Wrapped, so that a remembered `undefined` (no such entity) is a hit. */
  get(key: string): { value: T } | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= Date.now()) return undefined;
    this.entries.set(key, entry);
    return { value: entry.value };
  }

  set(key: string, value: T, ttlMs = this.ttlMs) {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: Date.now() + ttlMs });
    while (this.entries.size > this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value!);
    }
  }
}

/** After the catalog failed, lookups fail at once for this long (no pile-up of calls). */
const CATALOG_BACKOFF_MS = 5_000;

/**
 * An event's entities as far as they are known now. `retry` says why its
 * subject should be looked up again later: the catalog did not answer, or it
 * knew no entity by that name (yet) and the event is linked to nothing.
 */
export interface EventLinks {
  entityRefs: string[];
  retry?: 'catalog-unreachable' | 'no-entity';
}

/**
 * Links events to catalog entities: the `entityref` the sender gave, plus the
 * entities whose linking annotation (`backstage.io/kubernetes-id`,
 * `argocd/app-name`) or name equals the event's `subject`. Lookups are cached
 * briefly, since bursts of alerts name the same few applications.
 */
export class EntityResolver {
  private readonly bySubject: LruCache<Entity[]>;
  private readonly byRef: LruCache<Entity | undefined>;
  private readonly lookups = new Map<string, Promise<Entity[]>>();
  private catalogFailing = false;
  private catalogRetryAt = 0;

  constructor(
    private readonly catalog: CatalogService,
    private readonly auth: AuthService,
    private readonly logger: LoggerService,
    private readonly ttlMs = 60_000,
    /** Per cache (subjects, refs). */
    maxCachedEntries = 5_000,
  ) {
    this.bySubject = new LruCache(maxCachedEntries, ttlMs);
    this.byRef = new LruCache(maxCachedEntries, ttlMs);
  }

  /** The event's entities; throws when the catalog cannot be asked. */
  async resolveEventEntities(event: OrchestrationEvent): Promise<string[]> {
    const refs = this.namedRefs(event);
    if (event.subject) await this.addSubjectEntities(refs, event.subject);
    return [...refs].sort();
  }

  /**
   * The event's entities for recording it, never failing on the catalog: while
   * the catalog is unreachable the event keeps the entities it names itself, and
   * `retry` asks for its subject to be linked later (so is an event linked to
   * nothing because the catalog does not know its subject yet).
   */
  async linkEvent(event: OrchestrationEvent): Promise<EventLinks> {
    const refs = this.namedRefs(event);
    if (!event.subject) return { entityRefs: [...refs].sort() };
    let retry: EventLinks['retry'];
    try {
      await this.addSubjectEntities(refs, event.subject);
      if (refs.size === 0) retry = 'no-entity';
    } catch {
      retry = 'catalog-unreachable';
    }
    return { entityRefs: [...refs].sort(), retry };
  }

  /** Adds the refs of the entities `subject` names; throws when the catalog cannot be asked. */
  private async addSubjectEntities(refs: Set<string>, subject: string) {
    for (const entity of await this.entitiesForSubject(subject)) {
      refs.add(stringifyEntityRef(entity).toLocaleLowerCase('en-US'));
    }
  }

  private namedRefs(event: OrchestrationEvent): Set<string> {
    const refs = new Set<string>();
    for (const ref of eventEntityRefs(event)) {
      try {
        refs.add(
          stringifyEntityRef(parseEntityRef(ref)).toLocaleLowerCase('en-US'),
        );
      } catch {
        this.logger.warn(
          `Event ${event.id} names an invalid entityref '${ref}'`,
        );
      }
    }
    return refs;
  }

  /**
   * Resolves a sensor's `entity` value: a full ref (`component:default/x`) as
   * is, anything else like an event subject (annotations, then name).
   */
  async resolveName(value: string): Promise<string[]> {
    if (/^[a-z0-9_-]+:/i.test(value)) {
      try {
        return [
          stringifyEntityRef(parseEntityRef(value)).toLocaleLowerCase('en-US'),
        ];
      } catch {
        // not a ref after all; look it up as a name
      }
    }
    const entities = await this.entitiesForSubject(value);
    return entities
      .map(e => stringifyEntityRef(e).toLocaleLowerCase('en-US'))
      .sort();
  }

  /** The entity behind a ref, for templates (`entity.metadata...`). */
  async getEntity(ref: string): Promise<Entity | undefined> {
    const cached = this.byRef.get(ref);
    if (cached) return cached.value;
    const value = await this.catalog.getEntityByRef(ref, {
      credentials: await this.auth.getOwnServiceCredentials(),
    });
    this.byRef.set(ref, value);
    return value;
  }

  /**
   * The entities whose linking annotation or name equals `subject`. Cached;
   * concurrent lookups of one subject share one catalog call; throws when the
   * catalog cannot be asked.
   */
  async entitiesForSubject(subject: string): Promise<Entity[]> {
    const cached = this.bySubject.get(subject);
    if (cached) return cached.value;
    let lookup = this.lookups.get(subject);
    if (!lookup) {
      lookup = this.askCatalog(subject).finally(() =>
        this.lookups.delete(subject),
      );
      this.lookups.set(subject, lookup);
    }
    return lookup;
  }

  private async askCatalog(subject: string): Promise<Entity[]> {
    if (Date.now() < this.catalogRetryAt) {
      throw new Error('the catalog failed moments ago; not asked again yet');
    }
    let items: Entity[];
    try {
      ({ items } = await this.catalog.getEntities(
        {
          // A list of filters is OR-ed by the catalog.
          filter: [
            ...LINKING_ANNOTATIONS.map(a => ({
              [`metadata.annotations.${a}`]: subject,
            })),
            { 'metadata.name': subject },
          ],
        },
        { credentials: await this.auth.getOwnServiceCredentials() },
      ));
    } catch (error) {
      this.catalogRetryAt = Date.now() + CATALOG_BACKOFF_MS;
      if (!this.catalogFailing) {
        this.catalogFailing = true;
        this.logger.warn(
          `The catalog cannot be asked which entities events concern (${error}); events are recorded with the entities they name and linked by subject once it answers`,
        );
      }
      throw error;
    }
    if (this.catalogFailing) {
      this.catalogFailing = false;
      this.logger.info('The catalog answers again; linking events by subject');
    }
    // An unknown subject is remembered briefly only: the entity may be in the
    // catalog's next processing round.
    const ttl = items.length > 0 ? this.ttlMs : Math.min(this.ttlMs, 5_000);
    this.bySubject.set(subject, items, ttl);
    return items;
  }
}
