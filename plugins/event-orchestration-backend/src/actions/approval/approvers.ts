import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { z } from 'zod';
import type { EntityResolver } from '../../catalog';
import { singleEntityRef } from '../../catalog';

/** A group ref as written (`group:default/platform-team`, `platform-team`), made full. */
const groupRef = z
  .string()
  .min(1)
  .max(255)
  .transform((value, ctx) => {
    try {
      const ref = parseEntityRef(value, {
        defaultKind: 'group',
        defaultNamespace: 'default',
      });
      if (ref.kind.toLocaleLowerCase('en-US') !== 'group') {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `must be a group ref such as group:default/platform-team, got kind '${ref.kind}'`,
        });
        return z.NEVER;
      }
      return stringifyEntityRef(ref);
    } catch (error) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `must be a group ref such as group:default/platform-team: ${
          (error as Error).message
        }`,
      });
      return z.NEVER;
    }
  });

/**
 * Who may decide an approval:wait step: members of `groups`, and/or the
 * owner of the entity the run concerns (`entityOwner: true`; the owner group's
 * members, or the owning user). At least one must be given.
 */
export const approversSchema = z
  .object({
    groups: z
      .array(groupRef)
      .min(1)
      .max(20)
      .optional()
      .describe('Group refs whose members may decide, at most 20'),
    entityOwner: z
      .boolean()
      .optional()
      .describe("The owner (spec.owner) of the run's entity may decide"),
  })
  .strict()
  .refine(
    a => (a.groups?.length ?? 0) > 0 || a.entityOwner === true,
    'name groups, set entityOwner: true, or both',
  )
  .describe(
    "Who may decide: `groups` (up to 20 group refs, their members) and/or `entityOwner: true` (the owner of the run's one entity); without it anyone with the approve permission may. Never the run's actor unless eventOrchestration.approvals.allowSelfApproval is on",
  );

export type ApproversInput = z.infer<typeof approversSchema>;

/**
 * The user and group refs who may decide, sorted and without duplicates. The
 * entity owner is looked up now and kept: a later change of owner does not
 * move an approval already asked for. A run concerning several entities has
 * no one owner, so `entityOwner` refuses to guess (issue 18, finding 6).
 */
export async function resolveApprovers(
  approvers: ApproversInput,
  entityRefs: readonly string[],
  entities: Pick<EntityResolver, 'getEntity'>,
): Promise<string[]> {
  const refs = new Set(approvers.groups ?? []);
  if (approvers.entityOwner) {
    const entityRef = singleEntityRef(entityRefs, 'approvers.entityOwner');
    if (!entityRef) {
      throw new Error(
        'approvers.entityOwner: the run concerns no entity, so it has no owner to approve',
      );
    }
    const entity = await entities.getEntity(entityRef);
    if (!entity) {
      throw new Error(
        `approvers.entityOwner: ${entityRef} is not in the catalog`,
      );
    }
    const owner = (entity.spec as { owner?: unknown } | undefined)?.owner;
    if (typeof owner !== 'string' || !owner) {
      throw new Error(
        `approvers.entityOwner: ${entityRef} has no spec.owner to approve`,
      );
    }
    // As the catalog reads spec.owner into its ownedBy relation.
    refs.add(
      stringifyEntityRef(
        parseEntityRef(owner, {
          defaultKind: 'group',
          defaultNamespace: entity.metadata.namespace ?? 'default',
        }),
      ),
    );
  }
  return [...refs].sort();
}
