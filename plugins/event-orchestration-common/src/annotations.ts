/** The entity's Kubernetes id; events about it carry this as their subject. @public */
export const KUBERNETES_ID_ANNOTATION = 'backstage.io/kubernetes-id';

/** The entity's Argo CD application name. @public */
export const ARGOCD_APP_NAME_ANNOTATION = 'argocd/app-name';

/** The entity's GitHub repository, as `owner/name`. @public */
export const GITHUB_PROJECT_SLUG_ANNOTATION = 'github.com/project-slug';

/**
 * Catalog annotations through which an event's `subject` is linked to an entity.
 *
 * @public
 */
export const LINKING_ANNOTATIONS = [
  KUBERNETES_ID_ANNOTATION,
  ARGOCD_APP_NAME_ANNOTATION,
  GITHUB_PROJECT_SLUG_ANNOTATION,
] as const;

/** Minimal entity shape, so that this isomorphic package needs no catalog model. */
interface EntityLike {
  metadata: { annotations?: Record<string, string> };
}

/**
 * True when an entity carries an annotation that links events to it, which is
 * when its Events tab has something to show.
 *
 * @public
 */
export function isEventOrchestrationAvailable(entity: EntityLike): boolean {
  const annotations = entity.metadata.annotations ?? {};
  return LINKING_ANNOTATIONS.some(a => Boolean(annotations[a]));
}
