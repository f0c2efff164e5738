import { RE2JS } from 're2js';

/**
 * The largest compiled program a sensor pattern may have. RE2's time is linear
 * in the text but proportional to the program: counted repeats such as
 * `a{0,1000}` repeated a hundred times make a 100,000-instruction program that
 * takes tens of seconds on a few kilobytes. Realistic filter patterns compile to
 * 4–200 instructions.
 */
export const MAX_PATTERN_INSTRUCTIONS = 2_000;
/**
 * Instructions × characters one match may cost (about 60 ms here): a value
 * longer than this divided by the program's size is refused rather than
 * matched, so no event can make one match slow.
 */
export const MATCH_BUDGET = 10_000_000;

/** A compiled pattern that matches in time linear in the input. */
export interface LinearRegex {
  /** Whether the pattern matches anywhere in `text` (as `RegExp.test`). */
  test(text: string): boolean;
  /** The longest text `test` accepts; longer text throws. */
  readonly maxTextLength: number;
}

/**
 * Compiles a pattern for RE2's linear-time engine (re2js, pure JavaScript, so
 * the same check runs in the browser and the backend). Sensor patterns match
 * text from webhooks: a backtracking engine lets one pattern such as
 * `^(a+)+$` stall the process. RE2 has no backreferences or lookaround; such
 * a pattern, or one whose program is too large, is refused here with the
 * reason, when the sensor is loaded.
 */
export function compileLinearRegex(pattern: string): LinearRegex {
  // Compiling a 200,000-instruction program takes 0.6 s itself: refuse by the
  // counted repeats before compiling (each {n,m} copies its operand m times).
  const repeated = countedRepeats(pattern);
  if (repeated > MAX_PATTERN_INSTRUCTIONS) {
    throw new Error(
      `RE2 cannot run it here: its counted repeats add up to ${repeated}, at most ${MAX_PATTERN_INSTRUCTIONS} (use smaller ones such as {0,50})`,
    );
  }
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern);
  } catch (error) {
    throw new Error(
      `RE2 cannot run it (RE2 syntax: no backreferences or lookaround, \\x{…} for a code point): ${
        (error as Error).message
      }`,
    );
  }
  const instructions = programSize(compiled);
  if (instructions > MAX_PATTERN_INSTRUCTIONS) {
    throw new Error(
      `RE2 cannot run it here: it compiles to ${instructions} instructions, at most ${MAX_PATTERN_INSTRUCTIONS} (use smaller counted repeats such as {0,50})`,
    );
  }
  const maxTextLength = Math.floor(MATCH_BUDGET / Math.max(instructions, 1));
  return {
    maxTextLength,
    test: text => {
      if (text.length > maxTextLength)
        throw new Error(
          `text of ${text.length} characters is too long for this pattern (at most ${maxTextLength})`,
        );
      return compiled.test(text);
    },
  };
}

/** The size of re2js's compiled program (not in its typed API; 1 if it ever goes away). */
function programSize(compiled: RE2JS): number {
  const prog = (
    compiled as unknown as { re2Input?: { prog?: { numInst?: () => number } } }
  ).re2Input?.prog;
  return typeof prog?.numInst === 'function' ? prog.numInst() : 1;
}

/** The sum of the upper bounds of `{n}`, `{n,}` and `{n,m}` in a pattern (a cheap bound before compiling). */
function countedRepeats(pattern: string): number {
  let sum = 0;
  for (const match of pattern.matchAll(/\{(\d{1,9})(?:,(\d{0,9}))?\}/g)) {
    sum += Number(match[2] || match[1]);
  }
  return sum;
}
