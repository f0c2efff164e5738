import { parseEntityRef } from '@backstage/catalog-model';

/** The app path of an entity's Events tab, where the runs of a template show. */
export function eventsTabPath(entityRef?: string): string {
  if (!entityRef) return '';
  const { kind, namespace, name } = parseEntityRef(entityRef, {
    defaultKind: 'component',
    defaultNamespace: 'default',
  });
  return `/catalog/${namespace}/${kind.toLocaleLowerCase(
    'en-US',
  )}/${name}/events`;
}
