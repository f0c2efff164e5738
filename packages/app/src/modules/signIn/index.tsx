import {
  ApiBlueprint,
  createFrontendModule,
  discoveryApiRef,
} from '@backstage/frontend-plugin-api';
import { SignInPageBlueprint } from '@backstage/plugin-app-react';
import { ExampleUserAuth, exampleUserAuthApiRef } from './ExampleUserAuth';

const exampleUserAuthApi = ApiBlueprint.make({
  name: 'example-user-auth',
  params: defineParams =>
    defineParams({
      api: exampleUserAuthApiRef,
      deps: { discoveryApi: discoveryApiRef },
      factory: ({ discoveryApi }) => new ExampleUserAuth(discoveryApi),
    }),
});

/**
 * Two ways in, so a newcomer can see the permission policy at work: Guest
 * (user:default/guest, platform-team, may do everything) and Alice
 * (user:default/alice, owns nothing, refused every entity action).
 */
const signInPage = SignInPageBlueprint.make({
  params: {
    loader: async () => {
      const { SignInPage } = await import('@backstage/core-components');
      return props => (
        <SignInPage
          {...props}
          providers={[
            'guest',
            {
              id: 'example-user',
              title: 'Alice',
              message:
                'Sign in as user:default/alice, who owns nothing: you read the catalog and its events, and every action on an entity is refused.',
              apiRef: exampleUserAuthApiRef,
            },
          ]}
        />
      );
    },
  },
});

export const signInModule = createFrontendModule({
  pluginId: 'app',
  extensions: [exampleUserAuthApi, signInPage],
});
