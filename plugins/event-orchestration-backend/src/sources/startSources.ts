import { LoggerService } from '@backstage/backend-plugin-api';
import { EventsService } from '@backstage/plugin-events-node';
import { EventBus } from '@edo/plugin-event-orchestration-node';
import { SourceStateStore } from '../store';
import { NatsConnectionSettings } from '../shared/nats/natsConnection';
import {
  BackstageEventsSource,
  backstageEventToEvent,
} from './backstageEvents';
import {
  KubernetesClusterSource,
  KubernetesSources,
  KubernetesWatchStatus,
} from './kubernetes';
import { NatsSubjectSource, NatsSubjectSources } from './natsSubjects';

/**
 * Starts the sources that listen rather than being called (webhooks are
 * routes): NATS subjects, Kubernetes watches and Backstage's EventsService.
 * Each publishes what it receives on the bus.
 */
export async function startSources(options: {
  settings: {
    natsSubjects: NatsSubjectSource[];
    /** Set when there are NATS subject sources. */
    nats?: NatsConnectionSettings;
    kubernetes: KubernetesClusterSource[];
    backstageEvents: BackstageEventsSource[];
  };
  bus: EventBus;
  sourceState: SourceStateStore;
  backstageEvents: EventsService;
  logger: LoggerService;
}) {
  const { settings, bus, logger } = options;
  let nats: NatsSubjectSources | undefined;
  let kubernetes: KubernetesSources | undefined;
  if (settings.natsSubjects.length > 0 && settings.nats) {
    nats = await NatsSubjectSources.start({
      ...settings.nats,
      sources: settings.natsSubjects,
      bus,
      logger: logger.child({ component: 'nats-sources' }),
    });
  }
  if (settings.kubernetes.length > 0) {
    kubernetes = await KubernetesSources.start({
      clusters: settings.kubernetes,
      bus,
      sourceState: options.sourceState,
      logger: logger.child({ component: 'kubernetes-sources' }),
    });
  }
  const topics = settings.backstageEvents;
  if (topics.length > 0) {
    // Backstage's EventsService distributes each event to one subscriber with this id.
    await options.backstageEvents.subscribe({
      id: 'event-orchestration',
      topics: topics.map(t => t.topic),
      onEvent: async params => {
        const source = topics.find(t => t.topic === params.topic)!;
        await bus.publish(backstageEventToEvent(source, params));
      },
    });
  }
  return {
    kubernetesWatches: (): KubernetesWatchStatus[] =>
      kubernetes?.status() ?? [],
    async stop() {
      await nats?.stop();
      await kubernetes?.stop();
    },
  };
}
