import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { renderInTestApp } from '@backstage/test-utils';
import { screen, waitFor } from '@testing-library/react';
import { withApis } from '../../__testUtils__/withApis';
import { PublishEventButton } from './PublishEventButton';

function renderButton(
  permission: NonNullable<Parameters<typeof withApis>[1]>['permission'],
) {
  return renderInTestApp(
    withApis(
      <PublishEventButton
        entityRef="component:default/my-awesome-app"
        subject="my-awesome-app"
        onPublished={() => {}}
      />,
      { permission },
    ),
  );
}

describe('PublishEventButton', () => {
  it('is disabled for a user who does not own the entity, naming the permission and the entity', async () => {
    await renderButton(request =>
      request.permission.name === 'event-orchestration.entity.event.create'
        ? AuthorizeResult.DENY
        : AuthorizeResult.ALLOW,
    );
    const button = await screen.findByRole('button', {
      name: 'Publish event',
    });
    await waitFor(() =>
      expect(
        screen.getByTitle(
          'Needs event-orchestration.entity.event.create on component:default/my-awesome-app',
        ),
      ).toContainElement(button),
    );
    expect(button).toBeDisabled();
  });

  it('is disabled for a user without event-orchestration.event.create', async () => {
    await renderButton(AuthorizeResult.DENY);
    await waitFor(() =>
      expect(
        screen.getByTitle(
          'Needs the permission event-orchestration.event.create',
        ),
      ).toContainElement(screen.getByRole('button', { name: 'Publish event' })),
    );
    expect(
      screen.getByRole('button', { name: 'Publish event' }),
    ).toBeDisabled();
  });

  it('is enabled for a user allowed to publish about the entity', async () => {
    await renderButton(AuthorizeResult.ALLOW);
    await waitFor(() =>
      expect(
        screen.getByRole('button', { name: 'Publish event' }),
      ).toBeEnabled(),
    );
  });
});
