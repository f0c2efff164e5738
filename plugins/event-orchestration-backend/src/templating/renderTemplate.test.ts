import { renderTemplate } from './renderTemplate';

describe('renderTemplate', () => {
  const context = {
    event: {
      id: 'e1',
      data: { labels: { name: 'my-app', 'app.kubernetes.io/name': 'x' }, count: 3 },
    },
    entity: null,
  };
  it('keeps the type of a value when the string is one template', () => {
    expect(renderTemplate('${{ event.data.count }}', context)).toBe(3);
    expect(renderTemplate('${{ event.data.labels }}', context)).toEqual({
      name: 'my-app',
      'app.kubernetes.io/name': 'x',
    });
  });
  it('interpolates templates inside text', () => {
    expect(renderTemplate('sync ${{ event.data.labels.name }} now', context)).toBe(
      'sync my-app now',
    );
  });
  it('names the expression when a key is missing', () => {
    expect(() => renderTemplate('${{ event.data.labels.nope }}', context)).toThrow(
      /event\.data\.labels\.nope/,
    );
  });
});
