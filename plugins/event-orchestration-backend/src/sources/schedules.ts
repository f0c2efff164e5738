import { Config } from '@backstage/config';
import {
  OrchestrationEvent,
  EVENT_TYPE_PATTERN,
} from '@edo/plugin-event-orchestration-common';
import { CronExpressionParser } from 'cron-parser';
import type { SourceStateStore } from '../store';

/** A configured schedule, `eventOrchestration.schedules[]`. */
export interface ScheduleConfig {
  name: string;
  cron: string;
  timezone: string;
  /** Event type; default `schedule.tick`. */
  type: string;
  data: Record<string, unknown>;
  /** Emit ticks missed while every backend was down (true), or only go on (false). */
  catchUp: boolean;
}

/** Most ticks emitted in one round, so a long outage cannot flood the bus. */
const MAX_TICKS_PER_ROUND = 100;

/** Reads and checks `eventOrchestration.schedules`; a bad entry stops startup. */
export function readSchedules(config: Config): ScheduleConfig[] {
  const seen = new Set<string>();
  return (
    config.getOptionalConfigArray('eventOrchestration.schedules') ?? []
  ).map((entry, i) => {
    const where = `eventOrchestration.schedules[${i}]`;
    const name = entry.getString('name');
    if (!/^[a-z0-9][-a-z0-9_]*$/.test(name)) {
      throw new Error(
        `${where}.name '${name}' must be lower-case letters, digits, '-' or '_'`,
      );
    }
    if (seen.has(name))
      throw new Error(`${where}.name '${name}' is used by another schedule`);
    seen.add(name);
    const cron = entry.getString('cron');
    const timezone = entry.getOptionalString('timezone') ?? 'UTC';
    try {
      // eslint-disable-next-line no-new
      new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    } catch {
      throw new Error(
        `${where}.timezone '${timezone}' is not an IANA time zone such as Europe/Berlin`,
      );
    }
    try {
      CronExpressionParser.parse(cron, { tz: timezone, strict: false });
    } catch (error) {
      throw new Error(
        `${where}.cron '${cron}' (timezone ${timezone}) is invalid: ${
          (error as Error).message
        }`,
      );
    }
    const type = entry.getOptionalString('type') ?? 'schedule.tick';
    if (!EVENT_TYPE_PATTERN.test(type)) {
      throw new Error(
        `${where}.type '${type}' must be dotted lower-case, like schedule.tick`,
      );
    }
    return {
      name,
      cron,
      timezone,
      type,
      data: (entry.getOptional<Record<string, unknown>>('data') ??
        {}) as Record<string, unknown>,
      catchUp: entry.getOptionalBoolean('catchUp') ?? false,
    };
  });
}

/** The ticks of a cron expression in (after, until], oldest first. */
export function ticksBetween(
  schedule: ScheduleConfig,
  after: number,
  until: number,
  limit: number,
) {
  const iterator = CronExpressionParser.parse(schedule.cron, {
    currentDate: new Date(after),
    endDate: new Date(until),
    tz: schedule.timezone,
  });
  const ticks: number[] = [];
  while (ticks.length < limit && iterator.hasNext()) {
    const tick = iterator.next().getTime();
    if (tick > after && tick <= until) ticks.push(tick);
  }
  return ticks;
}

/** The event of one tick; its id is the schedule and the tick time, so a tick is emitted once. */
export function tickEvent(
  schedule: ScheduleConfig,
  tick: number,
  missed: boolean,
): OrchestrationEvent {
  const at = new Date(tick).toISOString();
  return {
    specversion: '1.0',
    id: `schedule-${schedule.name}-${at}`,
    source: `/schedules/${schedule.name}`,
    type: schedule.type,
    subject: schedule.name,
    time: at,
    datacontenttype: 'application/json',
    data: {
      ...schedule.data,
      schedule: schedule.name,
      cron: schedule.cron,
      timezone: schedule.timezone,
      missed,
    },
    origin: { kind: 'schedule', source: schedule.name },
  };
}

/**
 * Emits the ticks that are due. Called every few seconds by a task of Backstage's
 * SchedulerService with global scope, so one replica at a time does it; the
 * deterministic ids make a tick published twice a duplicate anyway.
 *
 * The first round of a new schedule starts from now. Ticks that fell due while
 * nothing ran are emitted (`catchUp: true`, marked `missed: true`, at most 100)
 * or skipped (`catchUp: false`, the default) — only the latest due tick is
 * emitted then, when it is less than a minute old.
 */
export async function emitDueTicks(options: {
  schedules: ScheduleConfig[];
  /** Each schedule's last tick. */
  sourceState: Pick<
    SourceStateStore,
    'lastTick' | 'startSchedule' | 'saveTick'
  >;
  publish: (event: OrchestrationEvent) => Promise<unknown>;
  now?: number;
}): Promise<OrchestrationEvent[]> {
  const now = options.now ?? Date.now();
  const emitted: OrchestrationEvent[] = [];
  for (const schedule of options.schedules) {
    const last = await options.sourceState.lastTick({ name: schedule.name });
    if (last === undefined) {
      await options.sourceState.startSchedule({ name: schedule.name, at: now });
      continue;
    }
    let due = ticksBetween(schedule, last, now, MAX_TICKS_PER_ROUND);
    if (due.length === 0) continue;
    const newest = due[due.length - 1];
    if (!schedule.catchUp) {
      due = now - newest < 60_000 ? [newest] : [];
    }
    for (const tick of due) {
      const event = tickEvent(
        schedule,
        tick,
        tick !== newest || now - tick >= 60_000,
      );
      await options.publish(event);
      emitted.push(event);
    }
    await options.sourceState.saveTick({ name: schedule.name, tick: newest });
  }
  return emitted;
}
