import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { EventOrchestrationClient } from '@edo/plugin-event-orchestration-node';
import { createPublishEventAction } from './publishEvent';
import { createRunActionAction } from './runAction';
import { createWaitForRunsAction } from './waitForRuns';

/** A client that must not be reached: dry runs describe, they don't act. */
const unreachable = new Proxy({} as EventOrchestrationClient, {
  get: (_target, name) => () => {
    throw new Error(`dry run called ${String(name)}`);
  },
});

describe('scaffolder actions in a dry run (template editor)', () => {
  it('describe what they would do and touch nothing', async () => {
    // createMockActionContext drops isDryRun, so it is set afterwards.
    const publish = {
      ...createMockActionContext({
        input: {
          type: 'portal.remediation.requested',
          entityRef: 'component:default/my-awesome-app',
        },
      }),
      isDryRun: true,
    };
    await createPublishEventAction(unreachable).handler(publish as any);
    expect(publish.output).toHaveBeenCalledWith('eventId', 'dry-run');
    expect(publish.output).toHaveBeenCalledWith(
      'link',
      '/catalog/default/component/my-awesome-app/events',
    );

    const wait = {
      ...createMockActionContext({
        input: {
          eventId: 'x',
          timeoutSeconds: 5,
          failOnRunFailure: true,
          requireRun: true,
        },
      }),
      isDryRun: true,
    };
    await createWaitForRunsAction(unreachable).handler(wait as any);
    expect(wait.output).toHaveBeenCalledWith('status', 'succeeded');

    const run = {
      ...createMockActionContext({
        input: { action: 'argocd:sync', input: { application: 'x' } },
      }),
      isDryRun: true,
    };
    await createRunActionAction(unreachable).handler(run as any);
    expect(run.output).toHaveBeenCalledWith('runId', 'dry-run');
  });

  it('refuses to wait for both or neither of eventId and runId', async () => {
    const ctx = createMockActionContext({
      input: { timeoutSeconds: 5, failOnRunFailure: true, requireRun: true },
    });
    await expect(
      createWaitForRunsAction(unreachable).handler(ctx as any),
    ).rejects.toThrow('give exactly one of eventId, runId');
  });
});
