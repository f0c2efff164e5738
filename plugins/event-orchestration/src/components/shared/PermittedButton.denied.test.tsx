import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { renderInTestApp } from '@backstage/test-utils';
import { sensorTestPermission } from '@edo/plugin-event-orchestration-common';
import { screen, waitFor } from '@testing-library/react';
import { withApis } from '../../__testUtils__/withApis';
import { useDryRunStates } from '../../hooks';
import { SensorDryRun } from '../EventOrchestrationPage/SensorDryRun';

const sensor = {
  name: 'slo-remediation',
  source: 'app-config',
  spec: {
    dependencies: [{ name: 'unhealthy', eventType: 'alertmanager.alert' }],
  },
  counters: { evaluated: 0, matched: 0, runsStarted: 0 },
} as any;

const Page = () => {
  const { states, update } = useDryRunStates();
  return (
    <SensorDryRun sensor={sensor} state={states[sensor.name]} update={update} />
  );
};

// In a file of its own: usePermission caches answers per permission for the
// whole test file, so a DENY test next to ALLOW tests would see ALLOW.
describe('the Dry run button without event-orchestration.sensor.test', () => {
  it('is disabled, with a tooltip naming the permission', async () => {
    await renderInTestApp(
      withApis(<Page />, { permission: AuthorizeResult.DENY }),
    );
    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Dry run' })).toBeDisabled(),
    );
    expect(
      screen.getByTitle(`Needs the permission ${sensorTestPermission.name}`),
    ).toBeInTheDocument();
  });
});
