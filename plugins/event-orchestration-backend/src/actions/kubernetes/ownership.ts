import { ClusterClient, k8s, statusCode } from './clusterClient';
import { K8sObject } from '../../shared/kubernetes/clusters';

/**
 * Who an object the orchestrator applied belongs to (an entity ref such as
 * `group:default/payments`). An annotation, not a label: refs hold `:` and `/`.
 */
export const OWNER_ANNOTATION = 'event-orchestration.io/owner';
const MANAGED_BY = 'app.kubernetes.io/managed-by';
/** The step (idempotency key) that created an object applied with `ifExists: refuse`. */
export const CREATED_BY_STEP_ANNOTATION =
  'event-orchestration.io/created-by-step';

function ownerOf(object: K8sObject | undefined): string | undefined {
  return object?.metadata?.annotations?.[OWNER_ANNOTATION];
}

async function existing(
  client: ClusterClient,
  object: K8sObject,
  ref: string,
): Promise<K8sObject | undefined> {
  try {
    return await client.read(
      object.apiVersion!,
      object.kind!,
      object.metadata!.name!,
      object.metadata?.namespace,
    );
  } catch (error) {
    if (statusCode(error) === 404) return undefined;
    return k8s(`reading ${ref}`, () => Promise.reject(error));
  }
}

/**
 * Refuses to apply `object` over one that exists and is owned by someone
 * else: server-side apply with force would otherwise take it over — a request
 * for `payments` + `prod` would rewrite the payments team's Argo CD
 * Application. With `requireManaged` (granting a role in a namespace), an
 * existing object the orchestrator did not create is refused too.
 */
export async function refuseForeignOwner(
  client: ClusterClient,
  object: K8sObject,
  ref: string,
  options: { requireManaged?: boolean; createOnlyForStep?: string } = {},
): Promise<void> {
  const current = await existing(client, object, ref);
  if (!current) return;
  const createdBy = current.metadata?.annotations?.[CREATED_BY_STEP_ANNOTATION];
  if (
    options.createOnlyForStep !== undefined &&
    createdBy !== options.createOnlyForStep
  ) {
    // A retry of the step that created it may apply again; nothing else.
    throw new Error(
      `${ref} already exists; this step only creates it (ifExists: refuse)`,
    );
  }
  const owner = ownerOf(current);
  const wanted = ownerOf(object);
  if (owner !== undefined && owner !== wanted) {
    throw new Error(
      `${ref} already exists and belongs to ${owner} (annotation ${OWNER_ANNOTATION}); not applied over it${
        wanted ? ` for ${wanted}` : ''
      }`,
    );
  }
  if (
    options.requireManaged &&
    owner === undefined &&
    current.metadata?.labels?.[MANAGED_BY] !== 'event-orchestration'
  ) {
    throw new Error(
      `${ref} already exists and was not created by event orchestration; no role is granted in it`,
    );
  }
}
