import { LoggerService, SchedulerService } from '@backstage/backend-plugin-api';
import { OrchestrationEvent } from '@edo/plugin-event-orchestration-common';
import { EventRelinker } from './catalog';
import { RetentionPruner } from './retention';
import { SensorEngine } from './sensors';
import { ScheduleConfig, emitDueTicks } from './sources';
import { SourceStateStore } from './store';

/**
 * The plugin's periodic work. Every task is global: one replica at a time
 * runs it, whichever replicas there are.
 */
export async function scheduleOrchestrationTasks(options: {
  scheduler: SchedulerService;
  logger: LoggerService;
  publish(event: OrchestrationEvent): Promise<void>;
  /** Configured cron schedules (`eventOrchestration.sources.schedules`). */
  schedules: ScheduleConfig[];
  sourceState: SourceStateStore;
  relinker: EventRelinker;
  retention: RetentionPruner;
  /** The embedded bus deletes what every subscriber is done with; NATS has none. */
  pruneBus?: () => Promise<number>;
  /** Set on replicas that evaluate events: debounced fires fall due while no event arrives. */
  sensorEngine?: SensorEngine;
}): Promise<void> {
  const { scheduler, logger } = options;
  if (options.schedules.length > 0) {
    await scheduler.scheduleTask({
      id: 'event-orchestration-schedules',
      frequency: { seconds: 15 },
      timeout: { minutes: 1 },
      scope: 'global',
      fn: async () => {
        await emitDueTicks({
          schedules: options.schedules,
          sourceState: options.sourceState,
          publish: options.publish,
        });
      },
    });
  }
  // Events whose subject the catalog could not link yet (docs/api.md,
  // "Linking events to entities").
  await scheduler.scheduleTask({
    id: 'event-orchestration-relink-events',
    frequency: { seconds: 10 },
    timeout: { minutes: 2 },
    scope: 'global',
    fn: async () => {
      await options.relinker.relinkDue();
    },
  });
  const pruneBus = options.pruneBus;
  if (pruneBus) {
    await scheduler.scheduleTask({
      id: 'event-orchestration-bus-prune',
      frequency: { minutes: 10 },
      timeout: { minutes: 10 },
      scope: 'global',
      fn: async () => {
        const pruned = await pruneBus();
        if (pruned > 0)
          logger.info(
            `Event bus: pruned ${pruned} messages past eventOrchestration.bus.embedded.maxAge`,
          );
      },
    });
  }
  // What is past eventOrchestration.retention (docs/api.md, "Retention").
  await scheduler.scheduleTask({
    id: 'event-orchestration-retention',
    frequency: { minutes: 30 },
    timeout: { minutes: 15 },
    scope: 'global',
    fn: async abortSignal => {
      await options.retention.prune(Date.now(), abortSignal);
    },
  });
  const sensorEngine = options.sensorEngine;
  if (sensorEngine) {
    await scheduler.scheduleTask({
      id: 'event-orchestration-debounce',
      frequency: { seconds: 5 },
      timeout: { minutes: 1 },
      scope: 'global',
      fn: async () => {
        await sensorEngine.fireDueDebounces();
      },
    });
  }
}
