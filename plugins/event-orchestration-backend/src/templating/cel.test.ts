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
