import http from 'node:http';
import { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

/**
 * A small stand-in for a Kubernetes API server, for the parts our sources and
 * actions use: discovery, list, get, and watch — the watch protocol as the API
 * server speaks it (a chunked response of JSON lines `{"type", "object"}`, the
 * `resourceVersion` to start after, `410 Gone` for a version that is too old,
 * either as an `ERROR` event in the stream or as the HTTP status). The client
 * under test is the real `@kubernetes/client-node`.
 */
export interface FakeKubernetes {
  url: string;
  /** Every request: method, path, query and the Authorization header. */
  requests: Array<{
    method: string;
    path: string;
    query: URLSearchParams;
    authorization?: string;
  }>;
  /** Creates or updates an object (uid and resourceVersion are assigned). */
  apply(resource: string, object: any): any;
  remove(resource: string, uid: string): void;
  /** Forgets history: watches from an older resourceVersion get 410 Gone. */
  compact(): void;
  /** How 410 is answered: an ERROR event in a 200 stream (the API server's way), or the HTTP status. */
  goneAs: 'event' | 'status';
  /** Ends every open watch, as the API server does at its timeout or on restart. */
  closeWatches(): void;
  /** Open watch connections. */
  openWatches(): number;
  close(): Promise<void>;
}

/** resource (plural) → what discovery says of it. */
const RESOURCES: Record<
  string,
  { groupVersion: string; kind: string; namespaced: boolean }
> = {
  events: { groupVersion: 'v1', kind: 'Event', namespaced: true },
  pods: { groupVersion: 'v1', kind: 'Pod', namespaced: true },
  deployments: {
    groupVersion: 'apps/v1',
    kind: 'Deployment',
    namespaced: true,
  },
};

function matchesSelector(object: any, selector: string | null) {
  if (!selector) return true;
  const labels = object.metadata?.labels ?? {};
  return selector.split(',').every(term => {
    const [key, value] = term.split('=');
    return labels[key.trim()] === value?.trim();
  });
}

export async function startFakeKubernetes(): Promise<FakeKubernetes> {
  let version = 100;
  let compactedAt = 0;
  const objects = new Map<string, Map<string, any>>(); // resource → uid → object
  const history: Array<{
    version: number;
    resource: string;
    type: string;
    object: any;
  }> = [];
  const watchers = new Set<{
    resource: string;
    namespace?: string;
    selector: string | null;
    res: http.ServerResponse;
  }>();
  const requests: FakeKubernetes['requests'] = [];
  const options = { goneAs: 'event' as FakeKubernetes['goneAs'] };

  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const status = (code: number, reason: string, message: string) => ({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  });
  const record = (resource: string, type: string, object: any) => {
    history.push({
      version: Number(object.metadata.resourceVersion),
      resource,
      type,
      object,
    });
    for (const w of watchers) {
      if (w.resource !== resource) continue;
      if (w.namespace && object.metadata.namespace !== w.namespace) continue;
      if (!matchesSelector(object, w.selector)) continue;
      w.res.write(`${JSON.stringify({ type, object })}\n`);
    }
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://localhost');
    requests.push({
      method: req.method!,
      path: url.pathname,
      query: url.searchParams,
      authorization: req.headers.authorization,
    });
    // Discovery: /api/v1, /apis/apps/v1
    const discovery = url.pathname.match(
      /^\/(?:api\/(v1)|apis\/([^/]+\/[^/]+))$/,
    );
    if (discovery) {
      const groupVersion = discovery[1] ?? discovery[2];
      send(res, 200, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion,
        resources: Object.entries(RESOURCES)
          .filter(([, r]) => r.groupVersion === groupVersion)
          .map(([name, r]) => ({
            name,
            singularName: r.kind.toLowerCase(),
            namespaced: r.namespaced,
            kind: r.kind,
            verbs: ['get', 'list', 'watch'],
          })),
      });
      return;
    }
    const match = url.pathname.match(
      /^\/(?:api\/v1|apis\/[^/]+\/[^/]+)(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/,
    );
    if (!match || !RESOURCES[match[2]]) {
      send(
        res,
        404,
        status(
          404,
          'NotFound',
          `the server could not find the requested resource ${url.pathname}`,
        ),
      );
      return;
    }
    const [, namespace, resource, name] = match;
    const all = [...(objects.get(resource)?.values() ?? [])].filter(
      o =>
        (!namespace || o.metadata.namespace === namespace) &&
        matchesSelector(o, url.searchParams.get('labelSelector')),
    );
    if (name) {
      const found = all.find(o => o.metadata.name === name);
      if (found) send(res, 200, found);
      else
        send(
          res,
          404,
          status(404, 'NotFound', `${resource} "${name}" not found`),
        );
      return;
    }
    if (url.searchParams.get('watch') !== 'true') {
      const kind = RESOURCES[resource].kind;
      send(res, 200, {
        kind: `${kind}List`,
        apiVersion: RESOURCES[resource].groupVersion,
        metadata: { resourceVersion: String(version) },
        items: all,
      });
      return;
    }
    const from = Number(url.searchParams.get('resourceVersion') ?? version);
    if (from < compactedAt) {
      const gone = status(
        410,
        'Expired',
        `too old resource version: ${from} (${compactedAt})`,
      );
      if (options.goneAs === 'status') {
        send(res, 410, gone);
      } else {
        res.writeHead(200, {
          'content-type': 'application/json',
          'transfer-encoding': 'chunked',
        });
        res.end(`${JSON.stringify({ type: 'ERROR', object: gone })}\n`);
      }
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/json',
      'transfer-encoding': 'chunked',
    });
    const watcher = {
      resource,
      namespace,
      selector: url.searchParams.get('labelSelector'),
      res,
    };
    for (const h of history) {
      if (h.version <= from || h.resource !== resource) continue;
      if (namespace && h.object.metadata.namespace !== namespace) continue;
      if (!matchesSelector(h.object, watcher.selector)) continue;
      res.write(`${JSON.stringify({ type: h.type, object: h.object })}\n`);
    }
    watchers.add(watcher);
    req.on('close', () => watchers.delete(watcher));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));

  const fake: FakeKubernetes = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    get goneAs() {
      return options.goneAs;
    },
    set goneAs(value) {
      options.goneAs = value;
    },
    apply(resource, object) {
      const byUid = objects.get(resource) ?? new Map();
      objects.set(resource, byUid);
      const existing = [...byUid.values()].find(
        o =>
          o.metadata.name === object.metadata.name &&
          o.metadata.namespace === object.metadata.namespace,
      );
      version += 1;
      const stored = {
        apiVersion: RESOURCES[resource].groupVersion,
        kind: RESOURCES[resource].kind,
        ...object,
        metadata: {
          ...object.metadata,
          uid: existing?.metadata.uid ?? randomUUID(),
          resourceVersion: String(version),
        },
      };
      byUid.set(stored.metadata.uid, stored);
      record(resource, existing ? 'MODIFIED' : 'ADDED', stored);
      return stored;
    },
    remove(resource, uid) {
      const object = objects.get(resource)?.get(uid);
      if (!object) return;
      objects.get(resource)!.delete(uid);
      version += 1;
      record(resource, 'DELETED', {
        ...object,
        metadata: { ...object.metadata, resourceVersion: String(version) },
      });
    },
    compact() {
      compactedAt = version;
      history.length = 0;
    },
    closeWatches() {
      for (const w of watchers) w.res.end();
      watchers.clear();
    },
    openWatches: () => watchers.size,
    async close() {
      fake.closeWatches();
      server.closeAllConnections();
      await new Promise<void>(resolve => server.close(() => resolve()));
    },
  };
  return fake;
}
