import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import {
  KubeConfig,
  KubernetesObject,
  KubernetesObjectApi,
  Watch,
} from '@kubernetes/client-node';
import { OrchestrationEvent } from '@edo/plugin-event-orchestration-common';
import { EventBus } from '@edo/plugin-event-orchestration-node';
import { kubeConfigFor } from '../shared/kubernetes/clusters';
import type { SourceStateStore } from '../store';

/** A resource kind to watch besides core Events. */
export interface KubernetesWatchedResource {
  apiVersion: string;
  kind: string;
  labelSelector?: string;
}

/** One cluster of `eventOrchestration.sources.kubernetes[]`. */
export interface KubernetesClusterSource {
  name: string;
  url: string;
  serviceAccountToken?: string;
  caData?: string;
  skipTLSVerify: boolean;
  /** Only this namespace; default all namespaces. */
  namespace?: string;
  /** Watch core `Event`s (default true). */
  events: boolean;
  resources: KubernetesWatchedResource[];
}

/** The labels that link a Kubernetes object to a catalog entity, first present wins. */
const LINKING_LABELS = [
  'backstage.io/kubernetes-id',
  'app.kubernetes.io/name',
  'app',
];

/** Reads `eventOrchestration.sources.kubernetes`; a bad entry stops startup. */
export function readKubernetesSources(
  config: Config,
): KubernetesClusterSource[] {
  return (
    config.getOptionalConfigArray('eventOrchestration.sources.kubernetes') ?? []
  ).map((entry, i) => {
    const where = `eventOrchestration.sources.kubernetes[${i}]`;
    const name = entry.getString('name');
    if (!/^[a-z0-9][-a-z0-9_]*$/.test(name)) {
      throw new Error(
        `${where}.name '${name}' must be lower-case letters, digits, '-' or '_'`,
      );
    }
    const url = entry.getString('url');
    if (!/^https?:\/\//.test(url))
      throw new Error(`${where}.url '${url}' must be an http(s) URL`);
    const skipTLSVerify = entry.getOptionalBoolean('skipTLSVerify') ?? false;
    if (url.startsWith('http://') && !skipTLSVerify) {
      // @kubernetes/client-node's rule: plain HTTP only where TLS checks are off knowingly.
      throw new Error(
        `${where}.url '${url}': an http:// URL needs skipTLSVerify: true`,
      );
    }
    return {
      name,
      url: url.replace(/\/+$/, ''),
      serviceAccountToken: entry.getOptionalString('serviceAccountToken'),
      caData: entry.getOptionalString('caData'),
      skipTLSVerify,
      namespace: entry.getOptionalString('namespace'),
      events: entry.getOptionalBoolean('events') ?? true,
      resources: (entry.getOptionalConfigArray('resources') ?? []).map(r => ({
        apiVersion: r.getString('apiVersion'),
        kind: r.getString('kind'),
        labelSelector: r.getOptionalString('labelSelector'),
      })),
    };
  });
}

/** Exposes the collection path the client computes from API discovery, for the watch. */
class ObjectApi extends KubernetesObjectApi {
  collectionPath(apiVersion: string, kind: string, namespace?: string) {
    return this.specUriPath(
      { apiVersion, kind, metadata: { namespace } },
      'list',
    );
  }
}

type K8sObject = KubernetesObject & { [key: string]: any };

function linkingLabel(object: K8sObject | undefined): string | undefined {
  const labels = object?.metadata?.labels ?? {};
  for (const label of LINKING_LABELS) if (labels[label]) return labels[label];
  return undefined;
}

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
class CollectionWatch {
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
  private readonly ownersCache = new Map<
    string,
    { subject: string | undefined; expiresAt: number }
  >();

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
      ? await this.coreEventToEvent(object)
      : resourceChangeToEvent(this.cluster.name, phase, object);
    if (!event) return;
    await this.deps.bus.publish(event);
    // Persist progress now and then, not on every event.
    if (Date.now() - this.savedAt > 2_000) await this.saveCursor();
  }

  private async coreEventToEvent(
    object: K8sObject,
  ): Promise<OrchestrationEvent | undefined> {
    const involved = object.involvedObject ?? object.regarding ?? {};
    const uid = object.metadata?.uid;
    if (!uid) return undefined;
    const subject = (await this.subjectOf(involved)) ?? involved.name;
    return {
      specversion: '1.0',
      id: `k8s-${this.cluster.name}-${uid}-${
        object.metadata?.resourceVersion ?? object.count ?? 0
      }`,
      source: `/kubernetes/${this.cluster.name}`,
      type: 'kubernetes.event',
      ...(subject ? { subject } : {}),
      time:
        object.lastTimestamp ??
        object.eventTime ??
        object.metadata?.creationTimestamp ??
        new Date().toISOString(),
      datacontenttype: 'application/json',
      data: {
        cluster: this.cluster.name,
        namespace: object.metadata?.namespace,
        reason: object.reason,
        message: object.message ?? object.note,
        type: object.type,
        count: object.count ?? 1,
        involvedObject: {
          apiVersion: involved.apiVersion,
          kind: involved.kind,
          name: involved.name,
          namespace: involved.namespace,
          uid: involved.uid,
        },
        firstTimestamp: object.firstTimestamp,
        lastTimestamp: object.lastTimestamp,
        reportingController:
          object.reportingComponent ?? object.source?.component,
      },
    };
  }

  /** The linking label of an event's involved object, read once per object and cached. */
  private async subjectOf(involved: any): Promise<string | undefined> {
    if (!involved?.kind || !involved?.name) return undefined;
    const key =
      involved.uid ?? `${involved.namespace}/${involved.kind}/${involved.name}`;
    const cached = this.ownersCache.get(key);
    if (cached && cached.expiresAt > Date.now()) return cached.subject;
    let subject: string | undefined;
    try {
      const object = await this.api.read<K8sObject>({
        apiVersion: involved.apiVersion ?? 'v1',
        kind: involved.kind,
        metadata: { name: involved.name, namespace: involved.namespace },
      });
      subject = linkingLabel(object);
    } catch {
      // Gone already or not readable with our token: fall back to its name.
    }
    if (this.ownersCache.size > 5_000) this.ownersCache.clear();
    this.ownersCache.set(key, { subject, expiresAt: Date.now() + 5 * 60_000 });
    return subject;
  }
}

/** A change of a watched resource as a `kubernetes.resource` event. */
export function resourceChangeToEvent(
  cluster: string,
  phase: string,
  object: K8sObject,
): OrchestrationEvent | undefined {
  const uid = object.metadata?.uid;
  if (!uid) return undefined;
  const subject = linkingLabel(object) ?? object.metadata?.name;
  return {
    specversion: '1.0',
    id: `k8s-${cluster}-${uid}-${
      object.metadata?.resourceVersion ?? ''
    }-${phase.toLowerCase()}`,
    source: `/kubernetes/${cluster}`,
    type: 'kubernetes.resource',
    ...(subject ? { subject } : {}),
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data: {
      cluster,
      change: phase.toLowerCase(),
      apiVersion: object.apiVersion,
      kind: object.kind,
      namespace: object.metadata?.namespace,
      name: object.metadata?.name,
      object: stripManagedFields(object),
    },
  };
}

function stripManagedFields(object: K8sObject) {
  if (!object.metadata?.managedFields) return object;
  const { managedFields: _ignored, ...metadata } = object.metadata;
  return { ...object, metadata };
}

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
