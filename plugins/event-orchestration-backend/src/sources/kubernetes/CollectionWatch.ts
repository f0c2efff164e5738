import { LoggerService } from '@backstage/backend-plugin-api';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { EventBus } from '@edo/plugin-event-orchestration-node';
import { K8sObject } from '../../shared/kubernetes/clusters';
import type { SourceStateStore } from '../../store';
import { KubernetesClusterSource } from './config';
import { InvolvedObjectSubjects } from './involvedObjectSubjects';
import { ObjectApi } from './objectApi';
import { coreEventToEvent, resourceChangeToEvent } from './toEvents';

/** How a watch is doing, for /health. */
export interface KubernetesWatchStatus {
  source: string;
  connected: boolean;
  resourceVersion?: string;
  lastError?: string;
}

/**
 * Watches one collection (core Events or a resource kind) of one cluster the
 * way an informer does: list once for a baseline, then watch from its
 * resourceVersion; after a dropped connection resume from the last version
 * seen; after `410 Gone` (the version is too old) list again and publish what
 * changed meanwhile. Where it got to is kept in the database, so a restarted
 * backend resumes too. Every replica may watch: event ids are derived from the
 * object's uid and resourceVersion, so the bus drops the copies.
 */
export class CollectionWatch {
  /** uid → resourceVersion of every object seen, to tell what a relist changed. */
  private readonly known = new Map<string, string>();
  private resourceVersion: string | undefined;
  private abort: AbortController | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private savedVersion: string | undefined;
  private savedAt = 0;
  readonly status: KubernetesWatchStatus;
  private readonly subjects: InvolvedObjectSubjects;

  constructor(
    private readonly cluster: KubernetesClusterSource,
    private readonly what: {
      apiVersion: string;
      kind: string;
      labelSelector?: string;
      coreEvents: boolean;
    },
    private readonly kc: KubeConfig,
    private readonly api: ObjectApi,
    private readonly deps: {
      bus: EventBus;
      /** Where each watch got to, so a restart resumes it. */
      sourceState: Pick<SourceStateStore, 'loadCursor' | 'saveCursor'>;
      logger: LoggerService;
      retryDelayMs: number;
    },
  ) {
    this.subjects = new InvolvedObjectSubjects(api);
    const selector = what.labelSelector
      ? `?labelSelector=${what.labelSelector}`
      : '';
    this.status = {
      source: `kubernetes:${cluster.name}:${what.apiVersion}/${what.kind}${selector}`,
      connected: false,
    };
  }

  async start() {
    const cursor = await this.deps.sourceState.loadCursor({
      source: this.status.source,
    });
    this.resourceVersion = cursor;
    this.savedVersion = cursor;
    void this.run();
  }

  async stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.abort?.abort();
    await this.saveCursor();
  }

  private async run(): Promise<void> {
    if (this.stopped) return;
    try {
      const path = await this.api.collectionPath(
        this.what.apiVersion,
        this.what.kind,
        this.cluster.namespace,
      );
      // Without a version, the current state is the baseline; with one (also after
      // a restart, from the database) the watch replays what happened since.
      if (!this.resourceVersion) await this.relist(false);
      await this.watch(path);
    } catch (error) {
      this.onWatchEnded(error);
    }
  }

  /** Lists the collection; publishes the differences to what was known unless this is the baseline. */
  private async relist(publishChanges: boolean) {
    const list = await this.api.list<K8sObject>(
      this.what.apiVersion,
      this.what.kind,
      this.cluster.namespace,
      undefined,
      undefined,
      undefined,
      undefined,
      this.what.labelSelector,
    );
    const seen = new Set<string>();
    for (const item of list.items) {
      const uid = item.metadata?.uid;
      const version = item.metadata?.resourceVersion;
      if (!uid || !version) continue;
      seen.add(uid);
      const before = this.known.get(uid);
      if (publishChanges && before !== version) {
        await this.publish(before ? 'MODIFIED' : 'ADDED', item);
      }
      this.known.set(uid, version);
    }
    if (publishChanges && !this.what.coreEvents) {
      for (const [uid, version] of this.known) {
        if (!seen.has(uid)) {
          this.known.delete(uid);
          await this.publish('DELETED', {
            apiVersion: this.what.apiVersion,
            kind: this.what.kind,
            metadata: { uid, resourceVersion: version },
          });
        }
      }
    }
    this.resourceVersion = list.metadata?.resourceVersion;
    await this.saveCursor();
  }

  private async watch(path: string) {
    const watcher = new Watch(this.kc);
    // Events are handled one after the other, in the order the server sent them.
    let queue = Promise.resolve();
    let gone = false;
    let broken = false;
    this.abort = await watcher.watch(
      path,
      {
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
        labelSelector: this.what.labelSelector,
      },
      (phase: string, object: K8sObject) => {
        this.status.connected = true;
        queue = queue
          .then(async () => {
            if (broken) return;
            if (phase === 'ERROR') {
              // The server says the version is too old (410 Gone, "Expired").
              if ((object as any)?.code === 410) gone = true;
              else
                this.deps.logger.warn(
                  `${this.status.source}: watch error ${JSON.stringify(
                    object,
                  )}`,
                );
              return;
            }
            const version = object?.metadata?.resourceVersion;
            if (phase !== 'BOOKMARK') {
              const uid = object?.metadata?.uid;
              if (uid && phase === 'DELETED') this.known.delete(uid);
              else if (uid && version) this.known.set(uid, version);
              await this.publish(phase, object);
            }
            if (version) this.resourceVersion = version;
            this.failures = 0;
          })
          .catch(error => {
            // The bus refused: watch again from the last version that was published.
            this.deps.logger.warn(
              `${this.status.source}: could not publish, will watch again: ${error}`,
            );
            broken = true;
            this.abort?.abort();
          });
      },
      (error: any) => {
        void queue.then(() => {
          if (gone || error?.statusCode === 410) this.onGone();
          else this.onWatchEnded(error);
        });
      },
    );
    this.status.connected = true;
  }

  private onGone() {
    this.deps.logger.info(
      `${this.status.source}: resourceVersion ${this.resourceVersion} expired (410 Gone); listing again`,
    );
    this.status.connected = false;
    if (this.stopped) return;
    void (async () => {
      try {
        await this.relist(this.known.size > 0);
        if (this.known.size === 0) {
          this.deps.logger.warn(
            `${this.status.source}: changes before the relist could not be replayed`,
          );
        }
        await this.watch(
          await this.api.collectionPath(
            this.what.apiVersion,
            this.what.kind,
            this.cluster.namespace,
          ),
        );
      } catch (error) {
        this.onWatchEnded(error);
      }
    })();
  }

  /** The connection ended (server timeout, restart, network): watch again from where we were. */
  private onWatchEnded(error: unknown) {
    this.status.connected = false;
    void this.saveCursor();
    if (this.stopped) return;
    if (error && !(error instanceof Error && error.name === 'AbortError')) {
      this.failures += 1;
      this.status.lastError = String(error);
      this.deps.logger.warn(
        `${this.status.source}: watch failed (${this.failures}): ${error}`,
      );
    }
    // Back off on repeated failures, up to 30 s; a clean server-side close retries at once.
    const delay = error
      ? Math.min(
          30_000,
          this.deps.retryDelayMs * 2 ** Math.min(this.failures, 5),
        )
      : 0;
    this.retryTimer = setTimeout(() => void this.run(), delay);
  }

  private async saveCursor() {
    if (!this.resourceVersion || this.resourceVersion === this.savedVersion)
      return;
    const cursor = this.resourceVersion;
    await this.deps.sourceState.saveCursor({
      source: this.status.source,
      cursor,
    });
    this.savedVersion = cursor;
    this.savedAt = Date.now();
  }

  private async publish(phase: string, object: K8sObject) {
    const event = this.what.coreEvents
      ? await this.coreEvent(object)
      : resourceChangeToEvent(this.cluster.name, phase, object);
    if (!event) return;
    await this.deps.bus.publish(event);
    // Persist progress now and then, not on every event.
    if (Date.now() - this.savedAt > 2_000) await this.saveCursor();
  }

  private async coreEvent(object: K8sObject) {
    // No uid, no event id: skip it before reading the involved object.
    if (!object.metadata?.uid) return undefined;
    const involved = object.involvedObject ?? object.regarding ?? {};
    return coreEventToEvent(
      this.cluster.name,
      object,
      await this.subjects.subjectOf(involved),
    );
  }
}
