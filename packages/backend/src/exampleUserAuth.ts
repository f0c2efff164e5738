/*
 * A second sign-in for the example app besides the guest provider, so a
 * newcomer can try it as a user who owns nothing and see the permission
 * policy refuse (issue 18, finding 5). Built the way the guest provider is
 * (@backstage/plugin-auth-backend-module-guest-provider): a proxy provider
 * that signs in as one configured catalog user, in development only.
 */
import { createBackendModule } from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import {
  authProvidersExtensionPoint,
  createProxyAuthenticator,
  createProxyAuthProviderFactory,
} from '@backstage/plugin-auth-node';

/** The provider id: `/api/auth/example-user/refresh`, `auth.providers.example-user`. */
export const EXAMPLE_USER_PROVIDER_ID = 'example-user';

const DEFAULT_USER = 'user:default/alice';

function allowed(dangerouslyAllowOutsideDevelopment?: boolean) {
  return (
    process.env.NODE_ENV === 'development' ||
    dangerouslyAllowOutsideDevelopment === true
  );
}

const exampleUserAuthenticator = createProxyAuthenticator({
  defaultProfileTransform: async () => ({ profile: {} }),
  initialize({ config }) {
    return {
      enabled: allowed(
        config.getOptionalBoolean('dangerouslyAllowOutsideDevelopment'),
      ),
      userEntityRef: config.getOptionalString('userEntityRef') ?? DEFAULT_USER,
    };
  },
  async authenticate(_, { enabled, userEntityRef }) {
    if (!enabled) {
      throw new NotAllowedError(
        `The ${EXAMPLE_USER_PROVIDER_ID} provider signs in without a password and is for development only`,
      );
    }
    return { result: { userEntityRef } };
  },
});

/**
 * `auth.providers.example-user.userEntityRef` (default `user:default/alice`):
 * who "Sign in" on the example's second sign-in card makes you. The user
 * must exist in the catalog; their groups come from it.
 */
export const exampleUserAuthModule = createBackendModule({
  pluginId: 'auth',
  moduleId: 'example-user-provider',
  register(reg) {
    reg.registerInit({
      deps: { providers: authProvidersExtensionPoint },
      async init({ providers }) {
        providers.registerProvider({
          providerId: EXAMPLE_USER_PROVIDER_ID,
          factory: createProxyAuthProviderFactory({
            authenticator: exampleUserAuthenticator,
            signInResolver: async ({ result }, ctx) =>
              ctx.signInWithCatalogUser({ entityRef: result.userEntityRef }),
          }),
        });
      },
    });
  },
});
