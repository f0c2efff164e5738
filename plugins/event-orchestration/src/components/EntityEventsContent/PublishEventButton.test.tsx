import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { renderInTestApp } from '@backstage/test-utils';
import { screen } from '@testing-library/react';
import { withApis } from '../../__testUtils__/withApis';
import { PublishEventButton } from './PublishEventButton';

// Its own file: usePermission caches decisions per module, so an ALLOW in
// another test of the same file would leak into this one.
describe('PublishEventButton', () => {
  it('is hidden from users who may not publish events', async () => {
    await renderInTestApp(
      withApis(
        <>
          <span>tab</span>
          <PublishEventButton
            entityRef="component:default/my-awesome-app"
            subject="my-awesome-app"
            onPublished={() => {}}
          />
        </>,
        { permission: AuthorizeResult.DENY },
      ),
    );
    expect(await screen.findByText('tab')).toBeInTheDocument();
    await new Promise(r => setTimeout(r, 100));
    expect(
      screen.queryByRole('button', { name: 'Publish event' }),
    ).not.toBeInTheDocument();
  });
});
