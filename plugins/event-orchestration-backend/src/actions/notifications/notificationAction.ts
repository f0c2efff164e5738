import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { AuthService, DiscoveryService } from '@backstage/backend-plugin-api';
import { createOrchestrationAction } from '@edo/plugin-event-orchestration-node';
import { z } from 'zod';
import { EntityResolver, singleEntityRef } from '../../catalog';
import { NotificationSender } from './notificationSender';
import { examples } from './notificationAction.examples';

/** Where in the app an entity's Events tab is, for the notification's link. */
function eventsTabLink(ref: string) {
  const { kind, namespace, name } = parseEntityRef(ref);
  return `/catalog/${namespace}/${kind.toLocaleLowerCase(
    'en-US',
  )}/${name}/events`;
}

/**
 * `notification:send`: a Backstage notification to the owner of the entity the
 * run concerns, or to given users and groups, linking to the entity's Events tab.
 */
export function createNotificationAction(
  services: {
    discovery: Pick<DiscoveryService, 'getBaseUrl'>;
    auth: Pick<
      AuthService,
      'getOwnServiceCredentials' | 'getPluginRequestToken'
    >;
  },
  entities: Pick<EntityResolver, 'getEntity'>,
) {
  const notifications = new NotificationSender(
    services.discovery,
    services.auth,
  );
  return createOrchestrationAction({
    id: 'notification:send',
    description:
      "Sends a Backstage notification to the owner of the run's entity, or to the given users and groups.",
    examples,
    schema: {
      input: z
        .object({
          recipients: z
            .union([
              z.literal('entity-owner'),
              z
                .object({ entityRefs: z.array(z.string().min(1)).min(1) })
                .strict(),
            ])
            .default('entity-owner')
            .describe("'entity-owner', or {entityRefs: [user or group refs]}"),
          title: z.string().min(1).max(300),
          description: z.string().max(4000).optional(),
          link: z
            .string()
            .min(1)
            .optional()
            .describe("Default: the entity's Events tab"),
          severity: z
            .enum(['low', 'normal', 'high', 'critical'])
            .default('normal'),
          topic: z.string().min(1).default('event-orchestration'),
        })
        .strict(),
      output: z.object({ recipients: z.array(z.string()) }),
    },
    async handler(ctx) {
      const { recipients, title, description, link, severity, topic } =
        ctx.input;
      let refs: string[];
      // Several entities (claiming one subject, say) have no one Events tab.
      const tabEntity =
        ctx.entityRefs.length === 1 ? ctx.entityRefs[0] : undefined;
      if (recipients === 'entity-owner') {
        const entityRef = singleEntityRef(
          ctx.entityRefs,
          "recipients 'entity-owner'",
        );
        if (!entityRef)
          throw new Error(
            'the run concerns no entity, so it has no owner to notify',
          );
        const entity = await entities.getEntity(entityRef);
        const owner = (entity?.spec as { owner?: unknown } | undefined)?.owner;
        if (typeof owner !== 'string' || !owner) {
          throw new Error(`${entityRef} has no spec.owner to notify`);
        }
        refs = [
          stringifyEntityRef(
            parseEntityRef(owner, {
              defaultKind: 'group',
              defaultNamespace: 'default',
            }),
          ),
        ];
      } else {
        refs = recipients.entityRefs.map(r =>
          stringifyEntityRef(
            parseEntityRef(r, {
              defaultKind: 'user',
              defaultNamespace: 'default',
            }),
          ),
        );
      }
      await notifications.send(
        {
          recipients: { type: 'entity', entityRef: refs },
          payload: {
            title,
            ...(description ? { description } : {}),
            link: link ?? (tabEntity ? eventsTabLink(tabEntity) : undefined),
            severity,
            topic,
          },
        },
        ctx.signal,
      );
      ctx.logger.info(`notified ${refs.join(', ')}: ${title}`);
      ctx.output('recipients', refs);
    },
  });
}
