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

interface CacheEntry<T> {
  value: T;
  expiresAt: number;
}

/**
 * Links events to catalog entities: the `entityref` the sender gave, plus the
 * entities whose linking annotation (`backstage.io/kubernetes-id`,
 * `argocd/app-name`) or name equals the event's `subject`. Lookups are cached
 * briefly, since bursts of alerts name the same few applications.
 */
export class EntityResolver {
  private readonly bySubject = new Map<string, CacheEntry<Entity[]>>();
  private readonly byRef = new Map<string, CacheEntry<Entity | undefined>>();

  constructor(
    private readonly catalog: CatalogService,
    private readonly auth: AuthService,
    private readonly logger: LoggerService,
    private readonly ttlMs = 60_000,
  ) {}

  async resolveEventEntities(event: OrchestrationEvent): Promise<string[]> {
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
    if (event.subject) {
      for (const entity of await this.entitiesForSubject(event.subject)) {
        refs.add(stringifyEntityRef(entity).toLocaleLowerCase('en-US'));
      }
    }
    return [...refs].sort();
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
    if (cached && cached.expiresAt > Date.now()) return cached.value;
    const value = await this.catalog.getEntityByRef(ref, {
      credentials: await this.auth.getOwnServiceCredentials(),
    });
    this.byRef.set(ref, { value, expiresAt: Date.now() + this.ttlMs });
    return value;
  }

  private async entitiesForSubject(subject: string): Promise<Entity[]> {
    const cached = this.bySubject.get(subject);
    if (cached && cached.expiresAt > Date.now()) return cached.value;
    const { items } = await this.catalog.getEntities(
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
    );
    if (this.bySubject.size > 10_000) this.bySubject.clear();
    // An unknown subject is remembered briefly only: the entity may be in the
    // catalog's next processing round.
    const ttl = items.length > 0 ? this.ttlMs : Math.min(this.ttlMs, 5_000);
    this.bySubject.set(subject, { value: items, expiresAt: Date.now() + ttl });
    return items;
  }
}
