import { evaluateCel } from './cel';

describe('CEL matches()', () => {
  // With cel-js's own matches (JavaScript's backtracking RegExp) each of these
  // takes longer than any test timeout: 2^34 steps for the first.
  it.each([
    ['event.data.text.matches("^(a+)+$")'],
    ['matches(event.data.text, "^(a+)+$")'],
    ['event.data.text.matches("^(a|a)*$") || false'],
  ])('%s runs in linear time on hostile text', expression => {
    expect(
      evaluateCel(expression, {
        event: { data: { text: `${'a'.repeat(34)}b` } },
      }),
    ).toBe(false);
  });

  it('keeps the meaning of matches(): a search with RE2 syntax', () => {
    const data = { text: 'prod-eu-1' };
    expect(
      evaluateCel('event.data.text.matches("^prod-")', { event: { data } }),
    ).toBe(true);
    expect(
      evaluateCel('event.data.text.matches("eu")', { event: { data } }),
    ).toBe(true);
    expect(
      evaluateCel('matches(event.data.text, "^dev")', { event: { data } }),
    ).toBe(false);
    expect(
      evaluateCel('event.data.text.matches("(?i)PROD")', { event: { data } }),
    ).toBe(true);
  });

  it('refuses a pattern RE2 cannot run with its reason', () => {
    expect(() =>
      evaluateCel('event.data.text.matches("(a)\\\\1")', {
        event: { data: { text: 'aa' } },
      }),
    ).toThrow(/RE2 cannot run it/);
  });
});

describe('CEL comprehensions', () => {
  const nested = (levels: number) => {
    let expression = 'true';
    for (let i = levels; i > 0; i--)
      expression = `[0,1,2,3,4,5,6,7,8,9].all(v${i}, ${expression})`;
    return expression;
  };

  it('refuses a comprehension nested over another list: its cost is the product of the sizes', () => {
    // Eight of these nested blocked the event loop for 6.5 s; ten for minutes.
    expect(() => evaluateCel(nested(2), {})).toThrow(
      /all\(\) inside another comprehension must iterate a part of the outer element/,
    );
    expect(() =>
      evaluateCel('event.data.l.map(a, event.data.l.map(b, a)).size()', {
        event: { data: { l: [1, 2] } },
      }),
    ).toThrow(/map\(\) inside another comprehension/);
    // Naming the outer element is not enough: the range must be a part of it.
    expect(() =>
      evaluateCel('event.data.l.all(a, [a, event.data.l][1].all(b, true))', {
        event: { data: { l: [1, 2] } },
      }),
    ).toThrow(/all\(\) inside another comprehension/);
  });

  it('allows comprehensions over parts of the outer element, three deep', () => {
    const data = {
      pushes: [
        {
          commits: [
            { modified: ['README.md'] },
            { modified: ['apps/shop/deployment.yaml', 'docs/x.md'] },
          ],
        },
      ],
    };
    expect(
      evaluateCel(
        'event.data.pushes[0].commits.exists(c, c.modified.exists(f, f.startsWith("apps/")))',
        { event: { data } },
      ),
    ).toBe(true);
    expect(
      evaluateCel(
        'event.data.pushes.map(p, p.commits.filter(c, c.modified.exists(f, f.startsWith("docs/"))).size())',
        { event: { data } },
      ),
    ).toEqual([1]);
    expect(() =>
      evaluateCel(
        'event.data.pushes.all(p, p.commits.all(c, c.modified.all(f, f.all(x, true))))',
        { event: { data } },
      ),
    ).toThrow(/nest at most 3 deep/);
  });
});
