import fs from 'node:fs';
import { LoggerService } from '@backstage/backend-plugin-api';
import { LoadedSensor, SensorLoadResult } from './loadSensors';
import { dependencyTakesType, isEventTypePattern } from './dependencyEventType';

function describeErrors(result: SensorLoadResult) {
  return result.errors
    .map(
      e =>
        `${e.sensor ? `'${e.sensor}' ` : ''}from ${e.source}: ${e.issues
          .map(i => `${i.path}: ${i.message}`)
          .join('; ')}`,
    )
    .join(' | ');
}

/**
 * The sensors in force. Re-loads them when their files change (in development
 * by default); a broken edit keeps the previous good version of that sensor
 * running and is reported next to it.
 */
export class SensorRegistry {
  private result: SensorLoadResult;
  private byType = new Map<string, LoadedSensor[]>();
  /** Sensors with a `prefix.*` or `*` dependency, with those patterns. */
  private byPattern: Array<{ sensor: LoadedSensor; patterns: string[] }> = [];
  /** Candidates per event type once patterns were added: types come from senders, so bounded. */
  private withPatterns = new Map<string, LoadedSensor[]>();

  constructor(
    private readonly load: () => SensorLoadResult,
    private readonly logger: LoggerService,
  ) {
    this.result = load();
    this.index();
  }

  current(): SensorLoadResult {
    return this.result;
  }

  /** Logs what start-up loaded: each skipped sensor as an error, then a summary. */
  reportLoaded(webhookSources: string[]): void {
    const { sensors, errors } = this.result;
    for (const error of errors) {
      this.logger.error(
        `Sensor ${error.sensor ? `'${error.sensor}' ` : ''}from ${
          error.source
        } was skipped: ${error.issues
          .map(i => `${i.path}: ${i.message}`)
          .join('; ')}`,
      );
    }
    this.logger.info(
      `Loaded ${sensors.length} sensor(s)${
        errors.length ? `, ${errors.length} failed` : ''
      }; webhook sources: ${webhookSources.join(', ') || 'none'}`,
    );
  }

  /**
   * Warns about `sources:` entries that name no source type and no configured
   * source: a typo there silently rejects every event of the dependency.
   */
  warnAboutUnknownSources(isKnown: (entry: string) => boolean): void {
    for (const sensor of this.result.sensors) {
      for (const dep of sensor.spec.dependencies) {
        for (const entry of dep.sources ?? []) {
          if (!isKnown(entry)) {
            this.logger.warn(
              `Sensor '${sensor.spec.name}' dependency '${dep.name}' accepts events from '${entry}', which is neither a source type nor a configured source; no event will come from it`,
            );
          }
        }
      }
    }
  }

  /** Warns about steps whose action no one registered: their runs fail there. */
  warnAboutUnknownActions(isKnown: (actionId: string) => boolean): void {
    for (const sensor of this.result.sensors) {
      for (const step of sensor.spec.workflow.steps) {
        if (!isKnown(step.action)) {
          this.logger.warn(
            `Sensor '${sensor.spec.name}' step '${step.id}' uses unknown action '${step.action}'; its runs will fail at that step`,
          );
        }
      }
    }
  }

  /**
   * Sensors with a dependency on this event type, exactly or by a pattern
   * (`prefix.*`, `*`). Without pattern sensors this is one map lookup, as
   * before patterns existed; with them, the merged list is computed once per
   * event type and kept (at most 1,000 types, then it starts over).
   */
  candidates(eventType: string): LoadedSensor[] {
    const exact = this.byType.get(eventType) ?? [];
    if (this.byPattern.length === 0) return exact;
    const cached = this.withPatterns.get(eventType);
    if (cached) return cached;
    const merged = [...exact];
    for (const { sensor, patterns } of this.byPattern) {
      if (
        !merged.includes(sensor) &&
        patterns.some(p => dependencyTakesType(p, eventType))
      ) {
        merged.push(sensor);
      }
    }
    if (this.withPatterns.size >= 1000) this.withPatterns.clear();
    this.withPatterns.set(eventType, merged);
    return merged;
  }

  find(name: string): LoadedSensor | undefined {
    return this.result.sensors.find(s => s.spec.name === name);
  }

  private index() {
    this.byType = new Map();
    this.byPattern = [];
    this.withPatterns = new Map();
    for (const sensor of this.result.sensors) {
      const types = new Set(sensor.spec.dependencies.map(d => d.eventType));
      const patterns = [...types].filter(isEventTypePattern);
      for (const type of types) {
        if (isEventTypePattern(type)) continue;
        this.byType.set(type, [...(this.byType.get(type) ?? []), sensor]);
      }
      if (patterns.length) this.byPattern.push({ sensor, patterns });
    }
  }

  /** Loads again; returns the names of sensors added, changed or removed. */
  reload(): string[] {
    const previous = this.result;
    const next = this.load();
    const kept: LoadedSensor[] = [];
    const errors = next.errors.map(error => {
      const good = error.sensor
        ? previous.sensors.find(
            s =>
              s.spec.name === error.sensor &&
              !next.sensors.some(n => n.spec.name === error.sensor),
          )
        : undefined;
      if (!good) return error;
      kept.push(good);
      return {
        ...error,
        issues: [
          ...error.issues,
          {
            path: '(reload)',
            message: 'the previous version of this sensor keeps running',
          },
        ],
      };
    });
    this.result = { sensors: [...next.sensors, ...kept], errors };
    this.index();

    const signature = (s: LoadedSensor) => JSON.stringify(s.spec);
    const before = new Map(
      previous.sensors.map(s => [s.spec.name, signature(s)]),
    );
    const after = new Map(
      this.result.sensors.map(s => [s.spec.name, signature(s)]),
    );
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter(
      name => before.get(name) !== after.get(name),
    );
    if (changed.length > 0 || errors.length > 0) {
      this.logger.info(
        `Sensors reloaded: ${this.result.sensors.length} in force${
          changed.length ? `; changed: ${changed.join(', ')}` : ''
        }${errors.length ? `; failed: ${describeErrors(this.result)}` : ''}`,
      );
    }
    return changed;
  }

  /**
   * Polls the sensor files (paths, sizes, modification times) and reloads when
   * they change. Polling, unlike fs.watch, behaves the same on every platform
   * and with editors that replace files. Returns a function that stops it.
   */
  watch(files: () => string[], intervalMs = 2000): () => void {
    const fingerprint = () =>
      files()
        .map(file => {
          try {
            const stat = fs.statSync(file);
            return `${file}:${stat.size}:${stat.mtimeMs}`;
          } catch {
            return `${file}:gone`;
          }
        })
        .join('\n');
    let last = fingerprint();
    const timer = setInterval(() => {
      const now = fingerprint();
      if (now === last) return;
      last = now;
      try {
        this.reload();
      } catch (error) {
        this.logger.error(`Could not reload sensors: ${error}`);
      }
    }, intervalMs);
    timer.unref?.();
    return () => clearInterval(timer);
  }
}
