import { RE2JS } from 're2js';

/** A compiled pattern that matches in time linear in the input. */
export interface LinearRegex {
  /** Whether the pattern matches anywhere in `text` (as `RegExp.test`). */
  test(text: string): boolean;
}

/**
 * Compiles a pattern for RE2's linear-time engine (re2js, pure JavaScript, so
 * the same check runs in the browser and the backend). Sensor patterns match
 * text from webhooks: a backtracking engine lets one pattern such as
 * `^(a+)+$` stall the process. RE2 has no backreferences or lookaround; such
 * a pattern is refused here with RE2's reason, when the sensor is loaded.
 */
export function compileLinearRegex(pattern: string): LinearRegex {
  try {
    const compiled = RE2JS.compile(pattern);
    return { test: text => compiled.test(text) };
  } catch (error) {
    throw new Error(
      `RE2 cannot run it (RE2 syntax: no backreferences or lookaround, \\x{…} for a code point): ${
        (error as Error).message
      }`,
    );
  }
}
