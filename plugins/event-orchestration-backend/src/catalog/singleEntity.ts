/**
 * A step that acts for one entity (whose owner to notify) and a run that
 * concerns several refuse to guess: anyone may register a component annotated
 * `argocd/app-name: payments`, and if the first ref sorted won, theirs would
 * take over payments' owner notifications (issue 18, finding 6).
 */
export class AmbiguousEntityError extends Error {
  readonly name = 'AmbiguousEntityError';

  constructor(readonly candidates: readonly string[], purpose: string) {
    super(
      `${purpose} needs one entity, but the run concerns ${
        candidates.length
      }: ${candidates.join(
        ', ',
      )}; refusing to guess (several entities may claim the event's subject)`,
    );
  }
}

/** The run's only entity, undefined when it has none; throws AmbiguousEntityError for several. */
export function singleEntityRef(
  entityRefs: readonly string[],
  purpose: string,
): string | undefined {
  if (entityRefs.length > 1)
    throw new AmbiguousEntityError(entityRefs, purpose);
  return entityRefs[0];
}
