import { AmbiguousEntityError, singleEntityRef } from './singleEntity';

describe('singleEntityRef', () => {
  it('gives the only entity, or none', () => {
    expect(singleEntityRef(['component:default/payments'], 'x')).toBe(
      'component:default/payments',
    );
    expect(singleEntityRef([], 'x')).toBeUndefined();
  });

  it('refuses to guess between several, listing them', () => {
    const refs = ['component:default/aaa', 'component:default/payments'];
    expect(() => singleEntityRef(refs, "recipients 'entity-owner'")).toThrow(
      new AmbiguousEntityError(refs, "recipients 'entity-owner'"),
    );
    expect(() => singleEntityRef(refs, "recipients 'entity-owner'")).toThrow(
      "recipients 'entity-owner' needs one entity, but the run concerns 2: component:default/aaa, component:default/payments; refusing to guess (several entities may claim the event's subject)",
    );
  });
});
