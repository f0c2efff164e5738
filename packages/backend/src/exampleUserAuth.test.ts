import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import authPlugin from '@backstage/plugin-auth-backend';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import request from 'supertest';
import { exampleUserAuthModule } from './exampleUserAuth';

const alice = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'User',
  metadata: { name: 'alice', namespace: 'default' },
  spec: { memberOf: [] },
};

async function authBackend(provider: object) {
  return startTestBackend({
    features: [
      authPlugin,
      exampleUserAuthModule,
      catalogServiceMock.factory({ entities: [alice] }),
      mockServices.rootConfig.factory({
        data: {
          app: { baseUrl: 'http://localhost:3000' },
          auth: { providers: { 'example-user': provider } },
        },
      }),
    ],
  });
}

const refresh = (server: any) =>
  request(server)
    .get('/api/auth/example-user/refresh')
    .set('X-Requested-With', 'XMLHttpRequest');

describe('the example-user sign-in (Alice)', () => {
  it('refuses outside development, like the guest provider', async () => {
    expect(process.env.NODE_ENV).toBe('test');
    const backend = await authBackend({
      userEntityRef: 'user:default/alice',
    });
    try {
      const response = await refresh(backend.server);
      expect(response.status).toBe(403);
      expect(response.body.error.message).toContain('development only');
    } finally {
      await backend.stop();
    }
  });

  it('signs in as the configured catalog user, with the groups the catalog gives her (none)', async () => {
    const backend = await authBackend({
      userEntityRef: 'user:default/alice',
      dangerouslyAllowOutsideDevelopment: true,
    });
    try {
      const response = await refresh(backend.server);
      expect(response.status).toBe(200);
      expect(response.body.backstageIdentity.identity).toEqual({
        type: 'user',
        userEntityRef: 'user:default/alice',
        ownershipEntityRefs: ['user:default/alice'],
      });
    } finally {
      await backend.stop();
    }
  });
});
