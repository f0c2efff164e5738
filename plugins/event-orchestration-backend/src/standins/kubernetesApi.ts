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
  /**
   * Serves one request (reads the body itself, at most `maxBodyBytes`, 1 MiB by
   * default; mount it without a body parser). Never throws: what it refuses is
   * answered with a Status and the reason.
   */
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

/** The largest request body the stand-in reads (the API server's own limit is larger; a demo needs less). */
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/**
 * Keys that lead from a parsed JSON value to the prototypes every object shares:
 * a patch through them would change every object in the process.
 */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** A request the stand-in refuses, answered as the API server does: a Status with the reason. */
class RequestRejected extends Error {
  constructor(
    message: string,
    readonly code = 400,
    readonly reason = 'BadRequest',
  ) {
    super(message);
  }
}

function isPlainObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON.parse that refuses `__proto__` keys, which no Kubernetes object has. */
function parseBody(raw: string): unknown {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw, (key, value) => {
      if (key === '__proto__') {
        throw new RequestRejected(
          "the body has a key named '__proto__', which no Kubernetes object has",
        );
      }
      return value;
    });
  } catch (error) {
    if (error instanceof RequestRejected) throw error;
    throw new RequestRejected('the body is not JSON');
  }
}

/** RFC 7386 merge patch; the fake applies strategic merge and apply patches the same way. */
function mergePatch(target: any, patch: any): any {
  if (!isPlainObject(patch)) return patch;
  const result = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else
      result[key] = mergePatch(
        Object.hasOwn(result, key) ? result[key] : undefined,
        value,
      );
  }
  return result;
}

const JSON_PATCH_OPS = ['add', 'remove', 'replace'];

/**
 * RFC 6902 JSON patch, the operations our actions send (add, remove, replace).
 * It walks only the document's own keys, so no path reaches a prototype.
 */
function jsonPatch(target: any, ops: unknown): any {
  if (!Array.isArray(ops)) {
    throw new RequestRejected('a JSON patch is a list of operations');
  }
  const result = structuredClone(target);
  ops.forEach((op, i) => {
    const rejected = (reason: string) =>
      new RequestRejected(`JSON patch operation ${i}: ${reason}`);
    if (!isPlainObject(op)) throw rejected('must be an object');
    if (typeof op.op !== 'string' || !JSON_PATCH_OPS.includes(op.op)) {
      throw rejected(
        `op '${String(op.op)}' is not one of ${JSON_PATCH_OPS.join(', ')}`,
      );
    }
    if (typeof op.path !== 'string' || !op.path.startsWith('/')) {
      throw rejected("path must be a JSON pointer like '/spec/replicas'");
    }
    if (op.op !== 'remove' && !Object.hasOwn(op, 'value')) {
      throw rejected(`'${op.op}' needs a value`);
    }
    const parts = op.path
      .split('/')
      .slice(1)
      .map(p => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (parts.some(part => PROTOTYPE_KEYS.has(part))) {
      throw rejected(
        `path '${op.path}' names a key no Kubernetes object has (${[
          ...PROTOTYPE_KEYS,
        ].join(', ')})`,
      );
    }
    const missing = () => rejected(`path '${op.path}' does not exist`);
    const last = parts.pop()!;
    let parent: unknown = result;
    for (const part of parts) {
      if (typeof parent !== 'object' || parent === null) throw missing();
      if (!Object.hasOwn(parent, part)) throw missing();
      parent = (parent as any)[part];
    }
    if (Array.isArray(parent)) {
      let index = NaN;
      if (last === '-' && op.op === 'add') index = parent.length;
      else if (/^(0|[1-9]\d*)$/.test(last)) index = Number(last);
      const highest = op.op === 'add' ? parent.length : parent.length - 1;
      if (!(index <= highest)) throw missing();
      if (op.op === 'remove') parent.splice(index, 1);
      else if (op.op === 'add') parent.splice(index, 0, op.value);
      else parent[index] = op.value;
    } else if (isPlainObject(parent)) {
      if (op.op !== 'add' && !Object.hasOwn(parent, last)) throw missing();
      if (op.op === 'remove') delete parent[last];
      else parent[last] = op.value;
    } else {
      throw missing();
    }
  });
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
  options_: { keepRequests?: number; maxBodyBytes?: number } = {},
): KubernetesApiStandIn {
  const maxBodyBytes = options_.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
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

  function serve(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    raw: string,
  ) {
    const url = new URL(req.url!, 'http://localhost');
    const body: any = parseBody(raw);
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
    if (!match || !Object.hasOwn(RESOURCES, match[2])) {
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
      if (!isPlainObject(body)) {
        throw new RequestRejected('the body must be a JSON object');
      }
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
      if (!type.startsWith('application/json-patch') && !isPlainObject(body)) {
        throw new RequestRejected(
          'a merge patch of an object must be a JSON object',
        );
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
      const chunks: Buffer[] = [];
      let size = 0;
      // Read to the end even past the limit, so that the client hears the 413
      // instead of a reset connection; only what fits is kept.
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= maxBodyBytes) chunks.push(chunk);
      });
      req.on('error', () => res.destroy());
      req.on('end', () => {
        // An exception here would end the process that mounts the stand-in.
        try {
          if (size > maxBodyBytes) {
            throw new RequestRejected(
              `the request body is larger than ${maxBodyBytes} bytes`,
              413,
              'RequestEntityTooLarge',
            );
          }
          serve(req, res, Buffer.concat(chunks).toString('utf8'));
        } catch (error) {
          if (res.headersSent) {
            res.destroy();
          } else if (error instanceof RequestRejected) {
            send(
              res,
              error.code,
              status(error.code, error.reason, error.message),
            );
          } else {
            send(res, 500, status(500, 'InternalError', String(error)));
          }
        }
      });
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
