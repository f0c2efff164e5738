/**
 * Catalog annotations through which an event's `subject` is linked to an entity.
 *
 * @public
 */
export const LINKING_ANNOTATIONS = [
  'backstage.io/kubernetes-id',
  'argocd/app-name',
  'github.com/project-slug',
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
