import {
  AmbiguousEntityError,
  checkStepEntity,
  singleEntityRef,
} from './singleEntity';

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

describe('checkStepEntity', () => {
  const both = ['component:default/aaa', 'component:default/payments'];

  it('refuses a step that reads entity in its input or condition when several entities claim the event', () => {
    expect(() =>
      checkStepEntity(
        { id: 'a', input: { owner: '${{ entity.spec.owner }}' } },
        both,
      ),
    ).toThrow(AmbiguousEntityError);
    expect(() =>
      checkStepEntity({ id: 'b', if: 'entity.spec.type == "service"' }, both),
    ).toThrow("step 'b' uses entity needs one entity, but the run concerns 2");
  });

  it('lets steps that do not read entity run, and any step when there is one entity', () => {
    expect(() =>
      checkStepEntity(
        { id: 'c', input: { refs: '${{ event.entityref }}' } },
        both,
      ),
    ).not.toThrow();
    expect(() =>
      checkStepEntity(
        { id: 'd', input: { owner: '${{ entity.spec.owner }}' } },
        ['component:default/payments'],
      ),
    ).not.toThrow();
  });
});
