import { Entity } from '@backstage/catalog-model';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { registerMswTestHooks } from '@backstage/test-utils';
import { fireEvent, screen, within } from '@testing-library/react';
import { setupServer } from 'msw/node';
import { deadLetter } from '../__fixtures__/deadLetters';
import { withApis } from '../__testUtils__/withApis';
import { globalPageHandlers } from '../__testUtils__/globalPageServer';
import { EntityEventOrchestrationCard } from './EntityEventOrchestrationCard';
import { EntityEventsContent } from './EntityEventsContent';
import { EventOrchestrationPage } from './EventOrchestrationPage';

const server = setupServer();
registerMswTestHooks(server);

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'my-awesome-app',
    namespace: 'default',
    annotations: { 'argocd/app-name': 'my-awesome-app' },
  },
  spec: {
    type: 'service',
    owner: 'group:default/platform-team',
    lifecycle: 'production',
  },
};

/**
 * The test app of the new frontend system installs the app plugin's light and
 * dark themes (Backstage's `themes.dark` through UnifiedThemeProvider); the
 * theme picked is the one stored under `theme`, as a user's choice would be.
 */
beforeEach(() => {
  window.localStorage.setItem('theme', 'dark');
  server.use(...globalPageHandlers().handlers);
});
afterEach(() => window.localStorage.removeItem('theme'));

describe('under the dark theme', () => {
  it('renders the global page with its runs, sensor detail and dead letters', async () => {
    renderInTestApp(withApis(<EventOrchestrationPage />));
    expect(
      await screen.findByText('component:default/my-awesome-app'),
    ).toBeInTheDocument();
    expect(document.body).toHaveAttribute('data-theme-mode', 'dark');

    fireEvent.click(screen.getByRole('tab', { name: 'Sensors' }));
    fireEvent.click(
      await screen.findByRole('link', { name: 'slo-remediation' }),
    );
    const drawer = await screen.findByRole('dialog', {
      name: 'Sensor slo-remediation',
    });
    expect(within(drawer).getByLabelText('Sensor facts')).toHaveTextContent(
      'Ownergroup:default/platform-team',
    );
    fireEvent.click(
      within(drawer).getByRole('button', { name: 'Close sensor details' }),
    );

    fireEvent.click(screen.getByRole('tab', { name: 'Bus' }));
    expect(await screen.findByText(deadLetter.eventId)).toBeInTheDocument();
    expect(
      screen.getByRole('button', {
        name: `Re-drive event ${deadLetter.eventId} to sensor-engine`,
      }),
    ).toBeInTheDocument();
  });

  it("renders the entity's Events tab and overview card", async () => {
    renderInTestApp(
      withApis(
        <EntityProvider entity={entity}>
          <EntityEventOrchestrationCard />
          <EntityEventsContent />
        </EntityProvider>,
      ),
    );
    expect(
      await screen.findByText(/Last run: slo-remediation/),
    ).toBeInTheDocument();
    expect(document.body).toHaveAttribute('data-theme-mode', 'dark');
    expect(
      screen.getByRole('list', { name: 'Last events' }),
    ).toBeInTheDocument();
  });
});
