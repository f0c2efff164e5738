import { LoggerService } from '@backstage/backend-plugin-api';
import { EventBus } from '@edo/plugin-event-orchestration-node';
import { kubeConfigFor } from '../../shared/kubernetes/clusters';
import type { SourceStateStore } from '../../store';
import { CollectionWatch, KubernetesWatchStatus } from './CollectionWatch';
import { KubernetesClusterSource } from './config';
import { ObjectApi } from './objectApi';

/**
 * Watches core Events, and the configured resource kinds, of every configured
 * cluster with `@kubernetes/client-node`; each becomes an event on the bus.
 */
export class KubernetesSources {
  private constructor(private readonly watches: CollectionWatch[]) {}

  static async start(options: {
    clusters: KubernetesClusterSource[];
    bus: EventBus;
    sourceState: Pick<SourceStateStore, 'loadCursor' | 'saveCursor'>;
    logger: LoggerService;
    /** First back-off after a failed watch; default 1 s. */
    retryDelayMs?: number;
  }): Promise<KubernetesSources> {
    const watches: CollectionWatch[] = [];
    for (const cluster of options.clusters) {
      // One client per cluster, shared by its watches.
      const kc = kubeConfigFor(cluster);
      const api = kc.makeApiClient(ObjectApi);
      const deps = { ...options, retryDelayMs: options.retryDelayMs ?? 1000 };
      if (cluster.events) {
        watches.push(
          new CollectionWatch(
            cluster,
            { apiVersion: 'v1', kind: 'Event', coreEvents: true },
            kc,
            api,
            deps,
          ),
        );
      }
      for (const resource of cluster.resources) {
        watches.push(
          new CollectionWatch(
            cluster,
            { ...resource, coreEvents: false },
            kc,
            api,
            deps,
          ),
        );
      }
      options.logger.info(
        `Kubernetes source '${cluster.name}': ${cluster.url}, ${[
          cluster.events ? 'Events' : undefined,
          ...cluster.resources.map(r => r.kind),
        ]
          .filter(Boolean)
          .join(', ')}`,
      );
    }
    await Promise.all(watches.map(w => w.start()));
    return new KubernetesSources(watches);
  }

  status(): KubernetesWatchStatus[] {
    return this.watches.map(w => ({ ...w.status }));
  }

  async stop() {
    await Promise.all(this.watches.map(w => w.stop()));
  }
}
