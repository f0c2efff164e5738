/* eslint-disable jest/expect-expect, jest/no-conditional-expect -- fc.assert is the assertion: it throws with the counterexample; each generated case takes one of two outcomes */
import fc from 'fast-check';
import { compileLinearRegex } from '@edo/plugin-event-orchestration-common';
import { evaluateDataFilter } from '../../sensors/evaluateFilters';
import { TemplateError, renderTemplate } from './renderTemplate';

jest.setTimeout(120_000);

/**
 * Generated template inputs and regex patterns, the two places where text a
 * sender or a sensor author wrote becomes something the backend evaluates.
 * Every outcome must be a value or an error with a reason; nothing may crash,
 * reach Object.prototype, render more than the 1,000,000-character cap, or
 * take a backtracking engine's exponential path.
 */
describe('template inputs, generated', () => {
  const hostileText = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom(
      '__proto__',
      'constructor',
      '${{',
      '}}',
      '$${{ x }}',
      '${{ ${{ }} }}',
      "'; process.exit(1); '",
      'a'.repeat(70_000),
      '\u0000',
      '📦',
    ),
  );
  // Data as a webhook could send it: any JSON, prototype keys included.
  const eventData = fc.dictionary(
    fc.oneof(fc.constantFrom('__proto__', 'constructor', 'text'), fc.string()),
    fc.oneof(hostileText, fc.integer(), fc.boolean(), fc.constant(null)),
    { maxKeys: 5 },
  );
  const expression = fc.oneof(
    fc.constantFrom(
      'event.data.text',
      'event.data.text + event.data.text',
      'event.data["__proto__"]',
      'event.data.constructor',
      'event.data.text.matches("^(a+)+$")',
      'parseJson(event.data.text)',
      'default(event.data.missing, "x")',
      'size(event.data)',
      '[1,2,3].map(x, x * 2)',
      'event.data.text.size() > 3 ? "long" : "short"',
      'this.constructor.constructor("return process")()',
      'event.data.?text.orValue("none")',
    ),
    hostileText,
  );
  const template = fc
    .array(
      fc.oneof(
        hostileText,
        expression.map(e => `\${{ ${e} }}`),
        expression.map(e => `$\${{ ${e} }}`),
      ),
      { minLength: 1, maxLength: 4 },
    )
    .map(parts => parts.join(''));

  it('renders 10,000 generated templates to a value or a TemplateError', () => {
    fc.assert(
      fc.property(template, eventData, (text, data) => {
        let rendered: unknown;
        try {
          rendered = renderTemplate(
            { message: text, list: [text] },
            { event: { id: 'e', type: 't', data }, entity: null },
          );
        } catch (error) {
          expect(error).toBeInstanceOf(TemplateError);
          expect((error as Error).message).toMatch(/^cannot render \$\{\{/);
          return;
        }
        expect(JSON.stringify(rendered).length).toBeLessThan(2_100_000);
      }),
      { numRuns: 10_000 },
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);
  });
});

describe('regex patterns, generated', () => {
  const piece = fc.oneof(
    fc.constantFrom(
      '(a+)+',
      '(a|a)*',
      '(a|aa)+',
      '(.*a){12}',
      '\\1',
      '(?=a)',
      '(?<=a)',
      '(?<n>a)\\k<n>',
      '[',
      ']',
      '{2,}',
      '^',
      '$',
      '\\d',
      '\\p{L}',
      '\\x{1F4E6}',
      '(?i)',
      '.*',
      'a',
    ),
    fc.string({ maxLength: 5 }),
  );
  const pattern = fc
    .array(piece, { minLength: 1, maxLength: 6 })
    .map(p => p.join('').slice(0, 1000));
  const hostileInput = fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.integer({ min: 20, max: 5_000 }).map(n => `${'a'.repeat(n)}b`),
  );

  it('compiles 10,000 generated patterns or refuses them with a reason, and matches hostile text in linear time', () => {
    let compiled = 0;
    fc.assert(
      fc.property(pattern, hostileInput, (regex, text) => {
        try {
          compileLinearRegex(regex);
        } catch (error) {
          expect((error as Error).message).toMatch(/^RE2 cannot run it/);
          return;
        }
        compiled++;
        const verdict = evaluateDataFilter({ path: 'text', regex }, { text });
        expect(typeof verdict.matched).toBe('boolean');
      }),
      { numRuns: 10_000 },
    );
    expect(compiled).toBeGreaterThan(1_000);
  });
});
