import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { renderInTestApp } from '@backstage/test-utils';
import { Run } from '@edo/plugin-event-orchestration-common';
import { screen, waitFor } from '@testing-library/react';
import { recordedRuns } from '../../__fixtures__/recorded';
import { withApis } from '../../__testUtils__/withApis';
import { RunControls } from './RunControls';

const failedRun: Run = {
  ...(recordedRuns.items[0] as unknown as Run),
  status: 'failed',
};

// In a file of its own: usePermission caches answers per permission for the
// whole test file, so a DENY test next to ALLOW tests would see ALLOW.
describe('RunControls without permission', () => {
  it('shows no buttons to users without the permission', async () => {
    await renderInTestApp(
      withApis(<RunControls run={failedRun} onChanged={jest.fn()} />, {
        permission: AuthorizeResult.DENY,
      }),
    );
    // Let the permission answer arrive before looking.
    await new Promise(r => setTimeout(r, 100));
    await waitFor(() =>
      expect(
        screen.queryByRole('button', { name: 'Retry' }),
      ).not.toBeInTheDocument(),
    );
    expect(screen.queryByLabelText('Comment')).not.toBeInTheDocument();
  });
});
