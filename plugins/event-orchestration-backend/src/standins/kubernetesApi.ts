import http from 'node:http';
import { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

/**
 * A small stand-in for a Kubernetes API server, for the parts our sources and
 * actions use: discovery, list, get, create, patch (merge, strategic, JSON,
 * server-side apply) and watch — the watch protocol as the API server speaks it
 * (a chunked response of JSON lines `{"type", "object"}`, the `resourceVersion`
 * to start after, `410 Gone` for a version that is too old, either as an
 * `ERROR` event in the stream or as the HTTP status). Objects live in memory.
 *
 * The tests run the real `@kubernetes/client-node` against it; the example
 * backend mounts it (packages/backend/src/demoKubernetes.ts) so that the
 * Kubernetes actions have a cluster to talk to on a laptop. Not a cluster:
 * nothing is scheduled, no controller reconciles.
 */
export interface KubernetesApiStandIn {
  /** Serves one request (reads the body itself; mount it without a body parser). */
  handle(req: http.IncomingMessage, res: http.ServerResponse): void;
  /** Every request: method, path, query and the Authorization header. */
  requests: Array<{
    method: string;
    path: string;
    query: URLSearchParams;
    authorization?: string;
    contentType?: string;
    body?: any;
  }>;
  /** Creates or updates an object (uid and resourceVersion are assigned). */
  apply(resource: string, object: any): any;
  /** The stored object, or undefined. */
  get(resource: string, name: string, namespace?: string): any;
  remove(resource: string, uid: string): void;
  /** Forgets history: watches from an older resourceVersion get 410 Gone. */
  compact(): void;
  /** How 410 is answered: an ERROR event in a 200 stream (the API server's way), or the HTTP status. */
  goneAs: 'event' | 'status';
  /** Ends every open watch, as the API server does at its timeout or on restart. */
  closeWatches(): void;
  /** Open watch connections. */
  openWatches(): number;
  /** Every stored object of a resource (plural), e.g. `namespaces`. */
  list(resource: string): any[];
}

/** The stand-in on its own loopback HTTP server, as the tests use it. */
export interface FakeKubernetes extends KubernetesApiStandIn {
  url: string;
  close(): Promise<void>;
}

/** resource (plural) → what discovery says of it. */
const RESOURCES: Record<
  string,
  { groupVersion: string; kind: string; namespaced: boolean }
> = {
  events: { groupVersion: 'v1', kind: 'Event', namespaced: true },
  pods: { groupVersion: 'v1', kind: 'Pod', namespaced: true },
  namespaces: { groupVersion: 'v1', kind: 'Namespace', namespaced: false },
  resourcequotas: {
    groupVersion: 'v1',
    kind: 'ResourceQuota',
    namespaced: true,
  },
  configmaps: { groupVersion: 'v1', kind: 'ConfigMap', namespaced: true },
  deployments: {
    groupVersion: 'apps/v1',
    kind: 'Deployment',
    namespaced: true,
  },
  statefulsets: {
    groupVersion: 'apps/v1',
    kind: 'StatefulSet',
    namespaced: true,
  },
  rolebindings: {
    groupVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    namespaced: true,
  },
  workflows: {
    groupVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    namespaced: true,
  },
  applications: {
    groupVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    namespaced: true,
  },
};

/** RFC 7386 merge patch; the fake applies strategic merge and apply patches the same way. */
function mergePatch(target: any, patch: any): any {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch))
    return patch;
  const result =
    target && typeof target === 'object' && !Array.isArray(target)
      ? { ...target }
      : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** RFC 6902 JSON patch, the operations our actions send (add, replace, remove). */
function jsonPatch(
  target: any,
  ops: Array<{ op: string; path: string; value?: unknown }>,
): any {
  const result = JSON.parse(JSON.stringify(target));
  for (const op of ops) {
    const parts = op.path
      .split('/')
      .slice(1)
      .map(p => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop()!;
    let parent = result;
    for (const part of parts) parent = parent[part];
    if (op.op === 'remove') {
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete parent[last];
    } else if (Array.isArray(parent) && last === '-') parent.push(op.value);
    else parent[last] = op.value;
  }
  return result;
}

function matchesSelector(object: any, selector: string | null) {
  if (!selector) return true;
  const labels = object.metadata?.labels ?? {};
  return selector.split(',').every(term => {
    const [key, value] = term.split('=');
    return labels[key.trim()] === value?.trim();
  });
}

/**
 * A stand-in whose state is in memory. `keepRequests` bounds the request log
 * (default: all, for tests; a long-running demo passes a limit).
 */
export function createKubernetesApiStandIn(
  options_: { keepRequests?: number } = {},
): KubernetesApiStandIn {
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

  function applyObject(resource: string, given: any): any {
    const object = { ...given, metadata: { ...given.metadata } };
    if (!RESOURCES[resource].namespaced) delete object.metadata.namespace;
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
  }

  function handle(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    raw: string,
  ) {
    const url = new URL(req.url!, 'http://localhost');
    let body: any;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      send(res, 400, status(400, 'BadRequest', 'the body is not JSON'));
      return;
    }
    if (
      options_.keepRequests !== undefined &&
      requests.length >= options_.keepRequests
    )
      requests.shift();
    requests.push({
      method: req.method!,
      path: url.pathname,
      query: url.searchParams,
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
      body,
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
    if (req.method === 'POST' && !name) {
      const exists = [...(objects.get(resource)?.values() ?? [])].find(
        o =>
          o.metadata.name === body.metadata?.name &&
          o.metadata.namespace === (namespace ?? body.metadata?.namespace),
      );
      if (exists) {
        send(
          res,
          409,
          status(
            409,
            'AlreadyExists',
            `${resource} "${body.metadata.name}" already exists`,
          ),
        );
        return;
      }
      const name_ =
        body.metadata?.name ??
        `${body.metadata?.generateName ?? 'x-'}${randomUUID().slice(0, 5)}`;
      send(
        res,
        201,
        applyObject(resource, {
          ...body,
          metadata: { ...body.metadata, name: name_, namespace },
        }),
      );
      return;
    }
    if (req.method === 'PATCH' && name) {
      const current = [...(objects.get(resource)?.values() ?? [])].find(
        o =>
          o.metadata.name === name &&
          (!namespace || o.metadata.namespace === namespace),
      );
      const type = String(req.headers['content-type']);
      if (!current && !type.startsWith('application/apply-patch')) {
        send(
          res,
          404,
          status(404, 'NotFound', `${resource} "${name}" not found`),
        );
        return;
      }
      const patched = type.startsWith('application/json-patch')
        ? jsonPatch(current, body)
        : mergePatch(current ?? {}, body);
      send(
        res,
        200,
        applyObject(resource, {
          ...patched,
          metadata: { ...patched.metadata, name, namespace },
        }),
      );
      return;
    }
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
    res.on('close', () => watchers.delete(watcher));
  }
  return {
    handle(req, res) {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', chunk => (raw += chunk));
      req.on('end', () => handle(req, res, raw));
    },
    requests,
    get goneAs() {
      return options.goneAs;
    },
    set goneAs(value) {
      options.goneAs = value;
    },
    apply: applyObject,
    get(resource, name, namespace) {
      return [...(objects.get(resource)?.values() ?? [])].find(
        o => o.metadata.name === name && o.metadata.namespace === namespace,
      );
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
    list: resource => [...(objects.get(resource)?.values() ?? [])],
  };
}

/** The stand-in on a loopback port of its own. */
export async function startFakeKubernetes(): Promise<FakeKubernetes> {
  const standIn = createKubernetesApiStandIn();
  const server = http.createServer((req, res) => standIn.handle(req, res));
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  // Keep the getter/setter of goneAs: spread would copy its value only.
  const fake = Object.create(standIn, {
    url: {
      value: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    },
    close: {
      value: async () => {
        standIn.closeWatches();
        server.closeAllConnections();
        await new Promise<void>(resolve => server.close(() => resolve()));
      },
    },
  }) as FakeKubernetes;
  return fake;
}
