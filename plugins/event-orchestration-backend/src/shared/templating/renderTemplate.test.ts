import { findTemplateExpressions, renderTemplate } from './renderTemplate';

describe('renderTemplate', () => {
  const context = {
    event: {
      id: 'e1',
      data: {
        labels: { name: 'my-app', 'app.kubernetes.io/name': 'x' },
        count: 3,
      },
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
    expect(
      renderTemplate('sync ${{ event.data.labels.name }} now', context),
    ).toBe('sync my-app now');
  });
  it('writes $${{ … }} as the literal text ${{ … }} (GitHub Actions expressions in committed files)', () => {
    expect(
      renderTemplate(
        'image: app:$${{ github.sha }} for ${{ event.data.labels.name }}',
        context,
      ),
    ).toBe('image: app:${{ github.sha }} for my-app');
    expect(renderTemplate('$${{ github.sha }}', context)).toBe(
      '${{ github.sha }}',
    );
    expect(
      findTemplateExpressions('$${{ github.sha }} ${{ event.id }}'),
    ).toEqual(['event.id']);
  });
  it('names the expression when a key is missing', () => {
    expect(() =>
      renderTemplate('${{ event.data.labels.nope }}', context),
    ).toThrow(/event\.data\.labels\.nope/);
  });
});

describe('template functions', () => {
  const context = {
    event: {
      data: {
        body: '{"image":"shop","tag":"v1.2.3"}',
        team: null,
        ref: 'component:default/shop',
      },
    },
  };
  it('parses JSON text, falls back on empty values and splits entity refs', () => {
    expect(
      renderTemplate('${{ parseJson(event.data.body).tag }}', context),
    ).toBe('v1.2.3');
    expect(
      renderTemplate('${{ default(event.data.team, "platform") }}', context),
    ).toBe('platform');
    expect(
      renderTemplate('${{ event.data.?owner.orValue("nobody") }}', context),
    ).toBe('nobody');
    expect(
      renderTemplate('${{ parseEntityRef(event.data.ref).name }}', context),
    ).toBe('shop');
  });
  it('cannot reach the process, the filesystem or the network', () => {
    for (const attempt of [
      '${{ process.env }}',
      '${{ event.constructor }}',
      '${{ require("fs") }}',
      '${{ globalThis }}',
      '${{ event.data.body.constructor.constructor("return process")() }}',
    ]) {
      expect(() => renderTemplate(attempt, context)).toThrow(/cannot render/);
    }
  });
});

describe('renderTemplate limits', () => {
  it('cuts off text that renders larger than 1,000,000 characters, naming the template', () => {
    const big = 'x'.repeat(200_000);
    const template =
      '${{ event.data.s }}${{ event.data.s }}${{ event.data.s }}${{ event.data.s }}${{ event.data.s }}${{ event.data.s }}';
    expect(() =>
      renderTemplate(template, { event: { data: { s: big } } } as any),
    ).toThrow('rendered text is too large');
    expect(
      (
        renderTemplate('${{ event.data.s }}!', {
          event: { data: { s: big } },
        } as any) as string
      ).length,
    ).toBe(200_001);
  });
});

describe('renderTemplate on hostile text', () => {
  it('renders 1 MB of unclosed `${{` as the text it is, without a quadratic scan', () => {
    const unclosed = '${{'.repeat(350_000);
    expect(renderTemplate(unclosed, {})).toBe(unclosed);
    expect(findTemplateExpressions(unclosed)).toEqual([]);
    const escapes = `${'$${{ x }}'.repeat(100_000)}`;
    expect(renderTemplate(escapes, {})).toBe('${{ x }}'.repeat(100_000));
  });
});
