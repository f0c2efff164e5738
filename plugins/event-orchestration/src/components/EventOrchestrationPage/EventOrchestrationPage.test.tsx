import { Entity } from '@backstage/catalog-model';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { registerMswTestHooks, renderInTestApp } from '@backstage/test-utils';
import { fireEvent, screen } from '@testing-library/react';
import { setupServer } from 'msw/node';
import { deadLetter } from '../../__fixtures__/deadLetters';
import { withApis } from '../../__testUtils__/withApis';
import { globalPageHandlers } from '../../__testUtils__/globalPageServer';
import { EntityEventOrchestrationCard } from '../EntityEventOrchestrationCard';
import { EventOrchestrationPage } from './EventOrchestrationPage';

const server = setupServer();
registerMswTestHooks(server);

function serve() {
  server.use(...globalPageHandlers().handlers);
}

describe('EventOrchestrationPage', () => {
  it('shows runs, sensors with their counters and load errors, and the bus', async () => {
    serve();
    await renderInTestApp(withApis(<EventOrchestrationPage />));
    expect(
      await screen.findByText('component:default/my-awesome-app'),
    ).toBeInTheDocument();

    fireEvent.click(screen.getByRole('tab', { name: 'Sensors' }));
    expect(
      await screen.findByRole('alert', { name: 'Sensors that failed to load' }),
    ).toHaveTextContent(
      'broken from ../../sensors/broken.yaml: dependencies[0].filters.data[0].in: Expected array, received string',
    );
    expect(
      screen.getByText('Sync an Argo CD application whose health SLO fires'),
    ).toBeInTheDocument();

    fireEvent.click(screen.getByRole('tab', { name: 'Bus' }));
    expect(
      await screen.findByText('Bus: embedded, connected'),
    ).toBeInTheDocument();
    expect(screen.getAllByText('sensor-engine')).not.toHaveLength(0);
    expect(
      screen.getByLabelText('Events waiting to be linked'),
    ).toHaveTextContent(
      'Events waiting to be linked to catalog entities: 2 because the catalog did not answer, 1 whose subject it does not know yet',
    );
    expect(await screen.findByText(deadLetter.eventId)).toBeInTheDocument();
    expect(
      screen.getByRole('button', {
        name: `Re-drive event ${deadLetter.eventId} to sensor-engine`,
      }),
    ).toBeInTheDocument();
  });
});

describe('EntityEventOrchestrationCard', () => {
  it("shows the entity's last run and last events", async () => {
    serve();
    const entity: Entity = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: 'my-awesome-app',
        namespace: 'default',
        annotations: { 'argocd/app-name': 'my-awesome-app' },
      },
      spec: {},
    };
    await renderInTestApp(
      withApis(
        <EntityProvider entity={entity}>
          <EntityEventOrchestrationCard />
        </EntityProvider>,
      ),
    );
    expect(
      await screen.findByText(/Last run: slo-remediation/),
    ).toBeInTheDocument();
    expect(screen.getByRole('list', { name: 'Last events' })).toHaveTextContent(
      'ArgoCdAppUnhealthy firing — Argo CD application my-awesome-app is Progressing for 10m',
    );
  });
});
