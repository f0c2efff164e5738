import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { demoArgoCdPlugin } from './demoArgoCd';
import { demoGitHostPlugin } from './demoGitHost';
import { demoKubernetesPlugin } from './demoKubernetes';

async function backendWith(demo: object | undefined) {
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
        },
      }),
    ],
  });
  return {
    backend,
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
