import { Config } from '@backstage/config';
import { REDACTED } from '../redaction/redactSecrets';
import { findTemplateExpressions } from './renderTemplate';

const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** Shorter values could not be scrubbed from stored text by value. */
const MIN_SECRET_LENGTH = 6;

/** Actions whose input ends up stored verbatim (a log line, a published event): no place for a secret. */
const VERBATIM_ACTIONS = new Set(['log', 'event:publish']);

/** A step's use of secrets that cannot be allowed, with the reason. */
export class SecretUseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretUseError';
  }
}

function isIdentifierChar(char: string | undefined) {
  return char !== undefined && /[A-Za-z0-9_]/.test(char);
}

/**
 * The secret names a value's templates use (`${{ secrets.slackToken }}`).
 * Only literal names are allowed: `secrets[event.data.x]` would let an event
 * choose which secret goes where.
 */
export function secretNamesIn(value: unknown): string[] {
  const names = new Set<string>();
  for (const expression of findTemplateExpressions(value)) {
    let from = 0;
    for (;;) {
      const at = expression.indexOf('secrets', from);
      if (at < 0) break;
      from = at + 'secrets'.length;
      let before = at - 1;
      while (before >= 0 && /\s/.test(expression[before])) before--;
      if (
        isIdentifierChar(expression[before]) ||
        expression[before] === '.' ||
        isIdentifierChar(expression[from])
      )
        continue;
      const rest = expression.slice(from).trimStart();
      const name = /^\.\s*([A-Za-z_][A-Za-z0-9_]{0,63})(?![A-Za-z0-9_])/.exec(
        rest.slice(0, 80),
      );
      if (!name) {
        throw new SecretUseError(
          `secrets can only be named literally, as secrets.<name>: \${{ ${expression
            .trim()
            .slice(0, 80)} }}`,
        );
      }
      names.add(name[1]);
    }
  }
  return [...names];
}

/**
 * The `secrets` templates may name, from `eventOrchestration.secrets` — read at
 * execution time, never stored: what is stored and shown has `***` where a
 * secret went.
 */
export class TemplateSecrets {
  private constructor(private readonly values: Map<string, string>) {}

  static fromConfig(config: Config): TemplateSecrets {
    const section = config.getOptionalConfig('eventOrchestration.secrets');
    const values = new Map<string, string>();
    for (const name of section?.keys() ?? []) {
      if (!SECRET_NAME.test(name)) {
        throw new Error(
          `eventOrchestration.secrets.${name}: a secret's name must be a CEL identifier (letters, digits, _)`,
        );
      }
      const value = section!.getString(name);
      if (value.length < MIN_SECRET_LENGTH) {
        throw new Error(
          `eventOrchestration.secrets.${name} is shorter than ${MIN_SECRET_LENGTH} characters; it could not be scrubbed from what steps store`,
        );
      }
      values.set(name, value);
    }
    return new TemplateSecrets(values);
  }

  static none(): TemplateSecrets {
    return new TemplateSecrets(new Map());
  }

  /**
   * The `secrets` context for rendering a step's input: `real` for the action,
   * `masked` (`***` for each) for what is stored. Throws, naming the secret
   * and never its value, when a name is not configured or the step may not use
   * secrets.
   */
  contextsFor(
    input: unknown,
    step: { action: string; startedByHand: boolean },
  ):
    | { real: Record<string, string>; masked: Record<string, string> }
    | undefined {
    const names = secretNamesIn(input);
    if (names.length === 0) return undefined;
    if (step.startedByHand) {
      throw new SecretUseError(
        'secrets can only be used by sensors the deployment defines, not in the input of a hand-started action',
      );
    }
    if (VERBATIM_ACTIONS.has(step.action)) {
      throw new SecretUseError(
        `secrets cannot be used in the input of action '${step.action}': it is stored as given`,
      );
    }
    const real: Record<string, string> = {};
    const masked: Record<string, string> = {};
    for (const name of names) {
      const value = this.values.get(name);
      if (value === undefined) {
        throw new SecretUseError(
          `no secret '${name}' is configured (eventOrchestration.secrets.${name})`,
        );
      }
      real[name] = value;
      masked[name] = REDACTED;
    }
    return { real, masked };
  }
}

/** A `secrets` context with `***` for every name the value uses: for previews, which never see a real value. */
export function maskedSecretsFor(value: unknown): Record<string, string> {
  return Object.fromEntries(secretNamesIn(value).map(name => [name, REDACTED]));
}
