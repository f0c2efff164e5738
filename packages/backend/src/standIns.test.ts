import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { demoArgoCdPlugin } from './demoArgoCd';
import { demoGitHostPlugin } from './demoGitHost';
import { demoKubernetesPlugin } from './demoKubernetes';

async function backendWith(
  demo: object | undefined,
  demoKubernetes: object = {},
) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'edo-standins-'));
  const backend = await startTestBackend({
    features: [
      demoArgoCdPlugin,
      demoKubernetesPlugin,
      demoGitHostPlugin,
      mockServices.rootConfig.factory({
        data: {
          ...(demo ? { demo } : {}),
          demoArgoCd: { applications: ['my-awesome-app'] },
          demoGitHost: { root },
          demoKubernetes,
        },
      }),
    ],
  });
  return {
    backend,
    root,
    cleanup: async () => {
      await backend.stop();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

const probes = [
  ['post', '/api/demo-argocd/api/v1/applications/my-awesome-app/sync'],
  ['get', '/api/demo-kubernetes/api/v1/namespaces'],
  ['get', '/api/demo-git/acme/shop.git/info/refs?service=git-upload-pack'],
] as const;

// What each answers when on.
const expectedWhenOn: Record<string, number> = {
  [probes[0][1]]: 200,
  [probes[1][1]]: 200,
  [probes[2][1]]: 200,
};

describe('example stand-ins', () => {
  it.each([
    ['absent', undefined],
    ['false', { standIns: false }],
  ])('serve nothing when demo.standIns is %s', async (_, demo) => {
    const { backend, cleanup } = await backendWith(demo);
    try {
      for (const [method, url] of probes) {
        expect([
          url,
          (await request(backend.server)[method](url)).status,
        ]).toEqual([url, 404]);
      }
    } finally {
      await cleanup();
    }
  });

  it('serve their routes when demo.standIns is true', async () => {
    const { backend, cleanup } = await backendWith({ standIns: true });
    try {
      for (const [method, url] of probes) {
        const { status } = await request(backend.server)[method](url);
        expect({ url, status }).toEqual({ url, status: expectedWhenOn[url] });
      }
    } finally {
      await cleanup();
    }
  });
});

describe('the Kubernetes stand-in under hostile requests', () => {
  let backend: Awaited<ReturnType<typeof startTestBackend>>;
  let cleanup: () => Promise<void>;
  const deployment =
    '/api/demo-kubernetes/apis/apps/v1/namespaces/prod-shop/deployments/my-awesome-app';

  beforeAll(async () => {
    ({ backend, cleanup } = await backendWith(
      { standIns: true },
      {
        deployments: [{ namespace: 'prod-shop', name: 'my-awesome-app' }],
      },
    ));
  });
  afterAll(() => cleanup());
  afterEach(() => {
    // Should a case pollute, the next ones must not inherit it.
    for (const key of ['polluted', 'x']) delete (Object.prototype as any)[key];
  });

  const jsonPatch = (body: unknown) =>
    request(backend.server)
      .patch(deployment)
      .set('Content-Type', 'application/json-patch+json')
      .send(JSON.stringify(body));

  it.each([
    ['/__proto__/polluted'],
    ['/constructor/prototype/polluted'],
    ['/spec/__proto__/polluted'],
  ])(
    'refuses a JSON patch through %s with 400, leaving Object.prototype alone',
    async pointer => {
      const res = await jsonPatch([{ op: 'add', path: pointer, value: 'yes' }]);
      expect(({} as any).polluted).toBeUndefined();
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        kind: 'Status',
        reason: 'BadRequest',
        message: expect.stringContaining(`'${pointer}'`),
      });
    },
  );

  it('refuses a JSON patch that walks into a built-in function', async () => {
    const res = await jsonPatch([
      { op: 'add', path: '/metadata/hasOwnProperty/x', value: 1 },
    ]);
    expect((Object.prototype.hasOwnProperty as any).x).toBeUndefined();
    expect(res.status).toBe(400);
    expect(res.body.message).toBe(
      "JSON patch operation 0: path '/metadata/hasOwnProperty/x' does not exist",
    );
  });

  it('refuses a merge patch with a __proto__ key', async () => {
    const res = await request(backend.server)
      .patch(deployment)
      .set('Content-Type', 'application/merge-patch+json')
      .send('{"metadata": {"__proto__": {"polluted": "yes"}}}');
    expect(res.status).toBe(400);
    expect(res.body.message).toBe(
      "the body has a key named '__proto__', which no Kubernetes object has",
    );
  });

  it.each([
    [
      'a JSON patch that is not a list',
      { op: 'add' },
      'application/json-patch+json',
      'a JSON patch is a list of operations',
    ],
    [
      'a JSON patch into a missing object',
      [{ op: 'add', path: '/spec/nothing/here', value: 1 }],
      'application/json-patch+json',
      "JSON patch operation 0: path '/spec/nothing/here' does not exist",
    ],
    [
      'a JSON patch with an unknown op',
      [{ op: 'explode', path: '/spec' }],
      'application/json-patch+json',
      "JSON patch operation 0: op 'explode' is not one of add, remove, replace",
    ],
    [
      'a JSON patch without a path',
      [{ op: 'add', value: 1 }],
      'application/json-patch+json',
      "JSON patch operation 0: path must be a JSON pointer like '/spec/replicas'",
    ],
    [
      'a merge patch that is null',
      null,
      'application/merge-patch+json',
      'a merge patch of an object must be a JSON object',
    ],
  ])(
    'answers %s with 400 and the reason, and keeps serving',
    async (_, body, type, message) => {
      const res = await request(backend.server)
        .patch(deployment)
        .set('Content-Type', type)
        .send(JSON.stringify(body));
      expect({ status: res.status, message: res.body.message }).toEqual({
        status: 400,
        message,
      });
      const after = await request(backend.server).get(deployment);
      expect(after.status).toBe(200);
      expect(after.body.spec.replicas).toBe(3);
    },
  );

  it('answers a create without an object body with 400, and keeps serving', async () => {
    const res = await request(backend.server)
      .post('/api/demo-kubernetes/api/v1/namespaces')
      .set('Content-Type', 'application/json')
      .send('null');
    expect({ status: res.status, message: res.body.message }).toEqual({
      status: 400,
      message: 'the body must be a JSON object',
    });
    expect(
      (
        await request(backend.server).get(
          '/api/demo-kubernetes/api/v1/namespaces',
        )
      ).status,
    ).toBe(200);
  });

  it.each([['__proto__'], ['constructor'], ['hasOwnProperty']])(
    'knows no resource named %s',
    async resource => {
      const res = await request(backend.server)
        .post(`/api/demo-kubernetes/api/v1/namespaces/prod-shop/${resource}`)
        .set('Content-Type', 'application/json')
        .send({ metadata: { name: 'x' } });
      expect(res.status).toBe(404);
    },
  );

  it('refuses a body over 1 MiB with 413 and stores nothing', async () => {
    const res = await request(backend.server)
      .post('/api/demo-kubernetes/api/v1/namespaces/prod-shop/configmaps')
      .set('Content-Type', 'application/json')
      .send(
        JSON.stringify({
          metadata: { name: 'big' },
          data: { blob: 'x'.repeat(1024 * 1024) },
        }),
      );
    expect(res.status).toBe(413);
    expect(res.body.message).toBe(
      'the request body is larger than 1048576 bytes',
    );
    const list = await request(backend.server).get(
      '/api/demo-kubernetes/api/v1/namespaces/prod-shop/configmaps',
    );
    expect(list.body.items).toEqual([]);
  });
});

describe('the Git host stand-in under hostile requests', () => {
  let backend: Awaited<ReturnType<typeof startTestBackend>>;
  let cleanup: () => Promise<void>;
  let root: string;

  beforeAll(async () => {
    ({ backend, cleanup, root } = await backendWith({ standIns: true }));
  });
  afterAll(() => cleanup());

  const refs = '/api/demo-git/acme/shop.git/info/refs?service=git-upload-pack';

  it('answers a body git does not read without dying of the broken pipe', async () => {
    const res = await request(backend.server)
      .post('/api/demo-git/acme/shop.git/info/refs?service=git-upload-pack')
      .set('Content-Type', 'application/octet-stream')
      .send(Buffer.alloc(4 * 1024 * 1024, 'x'));
    expect(res.status).toBe(405);
    expect((await request(backend.server).get(refs)).status).toBe(200);
  });

  it('refuses a push over 10 MiB with 413', async () => {
    const res = await request(backend.server)
      .post('/api/demo-git/acme/shop.git/git-receive-pack')
      .set('Content-Type', 'application/x-git-receive-pack-request')
      .send(Buffer.alloc(10 * 1024 * 1024 + 1, 'x'));
    expect(res.status).toBe(413);
    expect(res.body.error).toBe(
      'the request body is larger than 10485760 bytes',
    );
  });

  it.each([
    [
      '/api/demo-git/acme/shop.git/..%2F..%2Fescape.git/info/refs?service=git-upload-pack',
    ],
    ['/api/demo-git/acme/shop.git/objects/..%2F..%2F..%2Fconfig'],
    ['/api/demo-git/acme/shop.git/config'],
  ])('serves only the smart-HTTP endpoints, not %s', async url => {
    const res = await request(backend.server).get(url);
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('receivepack');
  });

  it('refuses repository names that leave its folder', async () => {
    for (const url of [
      '/api/demo-git/..%2F..%2Fescape/shop.git/info/refs?service=git-upload-pack',
      '/api/demo-git/acme/..%2Fescape.git/info/refs?service=git-upload-pack',
      '/api/demo-git/..%2Fescape/shop/raw/main/README.md',
    ]) {
      expect([url, (await request(backend.server).get(url)).status]).toEqual([
        url,
        400,
      ]);
    }
    for (const escaped of ['escape', 'escape.git', '../escape'])
      expect([escaped, fs.existsSync(path.join(root, '..', escaped))]).toEqual([
        escaped,
        false,
      ]);
  });
});

describe('the Argo CD stand-in under hostile requests', () => {
  let backend: Awaited<ReturnType<typeof startTestBackend>>;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ backend, cleanup } = await backendWith({ standIns: true }));
  });
  afterAll(() => cleanup());

  const sync = '/api/demo-argocd/api/v1/applications/my-awesome-app/sync';

  it('answers a body that is not JSON with 400 and one over 100 kB with 413, and keeps serving', async () => {
    const malformed = await request(backend.server)
      .post(sync)
      .set('Content-Type', 'application/json')
      .send('{"prune": ');
    const large = await request(backend.server)
      .post(sync)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ prune: true, padding: 'x'.repeat(200 * 1024) }));
    expect([malformed.status, large.status]).toEqual([400, 413]);
    expect((await request(backend.server).post(sync).send({})).status).toBe(
      200,
    );
  });
});
