import { LoggerService } from '@backstage/backend-plugin-api';
import { JsonObject } from '@backstage/types';

const MAX_LINES = 500;

/**
 * The logger an action receives: lines go to the backend log and are kept with
 * the step, so the UI can show what the action did.
 */
export class StepLogger implements LoggerService {
  constructor(
    private readonly target: LoggerService,
    readonly lines: string[] = [],
  ) {}

  private keep(level: string, message: string) {
    if (this.lines.length < MAX_LINES) {
      this.lines.push(`${new Date().toISOString()} ${level} ${message}`);
    } else if (this.lines.length === MAX_LINES) {
      this.lines.push('… further lines dropped');
    }
  }

  error(message: string, meta?: Error | JsonObject) {
    this.keep('error', message);
    this.target.error(message, meta);
  }
  warn(message: string, meta?: Error | JsonObject) {
    this.keep('warn', message);
    this.target.warn(message, meta);
  }
  info(message: string, meta?: Error | JsonObject) {
    this.keep('info', message);
    this.target.info(message, meta);
  }
  debug(message: string, meta?: Error | JsonObject) {
    this.target.debug(message, meta);
  }
  child(meta: JsonObject): LoggerService {
    return new StepLogger(this.target.child(meta), this.lines);
  }
}
