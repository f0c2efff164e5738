import { LoggerService } from '@backstage/backend-plugin-api';
import { JsonObject } from '@backstage/types';

const MAX_LINES = 500;

/**
 * The logger an action receives: lines go to the backend log and are kept with
 * the step, so the UI can show what the action did. Both get the line with
 * credentials scrubbed: backend logs are shipped and kept elsewhere too.
 */
export class StepLogger implements LoggerService {
  constructor(
    private readonly target: LoggerService,
    readonly lines: string[] = [],
    private readonly scrub: (text: string) => string = text => text,
  ) {}

  private keep(level: string, message: string) {
    if (this.lines.length < MAX_LINES) {
      this.lines.push(`${new Date().toISOString()} ${level} ${message}`);
    } else if (this.lines.length === MAX_LINES) {
      this.lines.push('… further lines dropped');
    }
  }

  error(message: string, meta?: Error | JsonObject) {
    const scrubbed = this.scrub(message);
    this.keep('error', scrubbed);
    this.target.error(scrubbed, meta);
  }
  warn(message: string, meta?: Error | JsonObject) {
    const scrubbed = this.scrub(message);
    this.keep('warn', scrubbed);
    this.target.warn(scrubbed, meta);
  }
  info(message: string, meta?: Error | JsonObject) {
    const scrubbed = this.scrub(message);
    this.keep('info', scrubbed);
    this.target.info(scrubbed, meta);
  }
  debug(message: string, meta?: Error | JsonObject) {
    this.target.debug(this.scrub(message), meta);
  }
  child(meta: JsonObject): LoggerService {
    return new StepLogger(this.target.child(meta), this.lines, this.scrub);
  }
}
