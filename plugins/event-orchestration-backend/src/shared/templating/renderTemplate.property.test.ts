import fc from 'fast-check';
import { TemplateError, renderTemplate } from './renderTemplate';
import { secretNamesIn } from './secrets';

/** Text made of the pieces templates are built from, so the generator hits the edges. */
const templateText = fc
  .array(
    fc.oneof(
      fc.constantFrom('${{', '$${{', '}}', '$', '{', '}', ' ', 'secrets', '.'),
      fc.constantFrom(
        'event.data.a',
        'secrets.x',
        'secrets["x"]',
        'secrets[event.data.a]',
        'has(secrets.x)',
        'size(event.data.a)',
        '"}}"',
        '[',
        ']',
        '(',
        ')',
      ),
      fc.string({ maxLength: 8 }),
    ),
    { maxLength: 30 },
  )
  .map(parts => parts.join(''));

/** What became of a text: refused, failed as a template, rendered, or something else. */
function outcomeOf(text: string): string {
  let names: string[];
  try {
    names = secretNamesIn(text);
  } catch (error) {
    return (error as Error).name === 'SecretUseError'
      ? 'refused'
      : `unexpected: ${error}`;
  }
  try {
    // Every secret available: only secretNamesIn stands between a text and it.
    const rendered = renderTemplate(text, {
      event: { data: { a: 'value' } },
      secrets: { x: 'REAL-SECRET' },
    });
    const leaked =
      names.length === 0 &&
      JSON.stringify(rendered ?? null).includes('REAL-SECRET');
    return leaked ? 'leaked a secret it does not name' : 'rendered';
  } catch (error) {
    return error instanceof TemplateError ? 'failed' : `unexpected: ${error}`;
  }
}

describe('renderTemplate on generated input', () => {
  it('renders or fails with a TemplateError, and a text that names no secret (as secretNamesIn sees it) never reaches one', () => {
    fc.assert(
      fc.property(templateText, text => {
        expect(['refused', 'failed', 'rendered']).toContain(outcomeOf(text));
      }),
      { numRuns: 10_000 },
    );
  });
});
