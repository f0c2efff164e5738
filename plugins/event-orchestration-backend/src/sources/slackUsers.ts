import { AuthService } from '@backstage/backend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';

/** The annotation on a catalog `User` that names their Slack user id. */
export const SLACK_USER_ID_ANNOTATION = 'slack.com/user-id';

/** Whom a chat user id stands for in Backstage. */
export type SlackUserMapping =
  | { kind: 'user'; userRef: string }
  | { kind: 'unmapped' }
  /** More than one catalog User claims the id: nobody is picked. */
  | { kind: 'ambiguous'; userRefs: string[] };

/** Maps a Slack (or Mattermost) user id to the Backstage user it stands for. */
export interface SlackUserDirectory {
  lookup(chatUserId: string): Promise<SlackUserMapping>;
}

/**
 * The catalog as the directory: the `User` whose annotation
 * `slack.com/user-id` equals the id, asked with the plugin's own credentials.
 * Answers are remembered briefly (a person types several commands in a row);
 * "not linked" for less long, so a user who was just linked is not kept waiting.
 */
export class CatalogSlackUsers implements SlackUserDirectory {
  private readonly cache = new Map<
    string,
    { value: SlackUserMapping; expiresAt: number }
  >();

  constructor(
    private readonly catalog: CatalogService,
    private readonly auth: AuthService,
    private readonly options: {
      ttlMs?: number;
      unmappedTtlMs?: number;
      maxEntries?: number;
    } = {},
  ) {}

  async lookup(chatUserId: string): Promise<SlackUserMapping> {
    const cached = this.cache.get(chatUserId);
    if (cached && cached.expiresAt > Date.now()) return cached.value;
    this.cache.delete(chatUserId);
    const { items } = await this.catalog.getEntities(
      {
        filter: {
          kind: 'User',
          [`metadata.annotations.${SLACK_USER_ID_ANNOTATION}`]: chatUserId,
        },
        fields: ['kind', 'metadata.name', 'metadata.namespace'],
      },
      { credentials: await this.auth.getOwnServiceCredentials() },
    );
    const refs = items.map(entity => stringifyEntityRef(entity)).sort();
    let value: SlackUserMapping;
    if (refs.length === 1) value = { kind: 'user', userRef: refs[0] };
    else if (refs.length === 0) value = { kind: 'unmapped' };
    else value = { kind: 'ambiguous', userRefs: refs };
    const ttl =
      value.kind === 'user'
        ? this.options.ttlMs ?? 60_000
        : this.options.unmappedTtlMs ?? 10_000;
    // Ids come from signed requests only, but the bound keeps memory flat anyway.
    if (this.cache.size >= (this.options.maxEntries ?? 1_000))
      this.cache.clear();
    this.cache.set(chatUserId, { value, expiresAt: Date.now() + ttl });
    return value;
  }
}
