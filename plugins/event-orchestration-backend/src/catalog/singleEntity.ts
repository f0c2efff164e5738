import { findTemplateExpressions } from '../shared/templating/renderTemplate';

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

/** True when a step's `if:` or input templates read `entity`. */
export function stepUsesEntity(step: {
  if?: string;
  input?: unknown;
}): boolean {
  const reads = (expression: string) => /\bentity\b/.test(expression);
  const condition = step.if ?? '';
  // `if:` is CEL, bare or as one `${{ }}` template; either way `entity` shows.
  return reads(condition) || findTemplateExpressions(step.input).some(reads);
}

/**
 * Throws AmbiguousEntityError when a step reads `entity` while the run
 * concerns several entities: its templates would act for whichever sorted
 * first.
 */
export function checkStepEntity(
  step: { id: string; if?: string; input?: unknown },
  entityRefs: readonly string[],
): void {
  if (entityRefs.length > 1 && stepUsesEntity(step)) {
    throw new AmbiguousEntityError(entityRefs, `step '${step.id}' uses entity`);
  }
}
