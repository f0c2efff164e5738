import { mockServices } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { EntityResolver } from './EntityResolver';

function component(name: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default' },
    spec: {},
  };
}

describe('EntityResolver cache', () => {
  const names = Array.from({ length: 200 }, (_, i) => `app-${i}`);

  function resolverWithCap(cap: number) {
    const catalog = catalogServiceMock({ entities: names.map(component) });
    const subjectLookups = jest.spyOn(catalog, 'getEntities');
    const refLookups = jest.spyOn(catalog, 'getEntityByRef');
    const resolver = new EntityResolver(
      catalog,
      mockServices.auth(),
      mockServices.logger.mock(),
      60_000,
      cap,
    );
    return { resolver, subjectLookups, refLookups };
  }

  it('keeps at most its cap of subjects, forgetting the least recently used', async () => {
    const { resolver, subjectLookups } = resolverWithCap(3);
    for (const name of names) {
      expect(await resolver.entitiesForSubject(name)).toEqual([
        component(name),
      ]);
    }
    expect(subjectLookups).toHaveBeenCalledTimes(200);

    // The three most recent are still known, app-196 was forgotten.
    await resolver.entitiesForSubject('app-199');
    await resolver.entitiesForSubject('app-198');
    await resolver.entitiesForSubject('app-197');
    expect(subjectLookups).toHaveBeenCalledTimes(200);
    await resolver.entitiesForSubject('app-196');
    expect(subjectLookups).toHaveBeenCalledTimes(201);

    // app-196 pushed out app-199, the least recently used; a hit on app-198
    // makes it recent, so app-199 coming back pushes out app-197 instead.
    await resolver.entitiesForSubject('app-198');
    expect(subjectLookups).toHaveBeenCalledTimes(201);
    await resolver.entitiesForSubject('app-199');
    expect(subjectLookups).toHaveBeenCalledTimes(202);
    await resolver.entitiesForSubject('app-198');
    expect(subjectLookups).toHaveBeenCalledTimes(202);
    await resolver.entitiesForSubject('app-197');
    expect(subjectLookups).toHaveBeenCalledTimes(203);
  });

  it('keeps at most its cap of entities looked up by ref', async () => {
    const { resolver, refLookups } = resolverWithCap(2);
    for (const name of names.slice(0, 50)) {
      await resolver.getEntity(`component:default/${name}`);
    }
    expect(refLookups).toHaveBeenCalledTimes(50);
    await resolver.getEntity('component:default/app-49');
    await resolver.getEntity('component:default/app-48');
    expect(refLookups).toHaveBeenCalledTimes(50);
    await resolver.getEntity('component:default/app-47');
    expect(refLookups).toHaveBeenCalledTimes(51);
  });
});
