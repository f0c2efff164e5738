import { mockServices } from '@backstage/backend-test-utils';
import { NotAllowedError } from '@backstage/errors';
import { createOrchestrationAction } from '@edo/plugin-event-orchestration-node';
import { z } from 'zod';
import { StepAttempt, isRefusal } from './StepAttempt';

const step = { id: 'deploy', action: 'test:action', input: {} };

const handlerContext = {
  input: {},
  logger: mockServices.logger.mock(),
  events: [],
  entityRefs: [],
  runId: 'run-1',
  stepId: 'deploy',
  idempotencyKey: 'run-1:deploy',
};

describe('StepAttempt', () => {
  it('keeps the outputs the handler records while the attempt lasts', async () => {
    const output: Record<string, unknown> = {};
    const attempt = new StepAttempt({
      step,
      timeoutMs: 1000,
      cancelled: new AbortController().signal,
      output,
    });
    const action = createOrchestrationAction({
      id: 'test:action',
      description: 'records an output',
      schema: { input: z.object({}) },
      async handler(ctx) {
        ctx.output('version', 'v1.2.3');
      },
    });
    await attempt.run(action, handlerContext);
    expect(output).toEqual({ version: 'v1.2.3' });
  });

  it('abandons a handler that ignores its signal at the timeout and drops what it records later', async () => {
    const output: Record<string, unknown> = {};
    const attempt = new StepAttempt({
      step,
      timeoutMs: 50,
      cancelled: new AbortController().signal,
      output,
    });
    let recordLate: () => void = () => {};
    const action = createOrchestrationAction({
      id: 'test:action',
      description: 'never ends on its own',
      schema: { input: z.object({}) },
      async handler(ctx) {
        recordLate = () => ctx.output('late', true);
        await new Promise<void>(() => {});
      },
    });
    const error = await attempt.run(action, handlerContext).catch(e => e);
    recordLate();
    expect(output).toEqual({});
    expect(attempt.failure(error)).toBe("step 'deploy' timed out after 50 ms");
  });

  it("says a cancelled run's attempt was cancelled, whatever the handler threw", async () => {
    const cancel = new AbortController();
    const attempt = new StepAttempt({
      step,
      timeoutMs: 1000,
      cancelled: cancel.signal,
      output: {},
    });
    cancel.abort();
    expect(attempt.failure(new Error('socket hang up'))).toBe(
      'the run was cancelled',
    );
  });

  it("words any other failure by the error's message", () => {
    const attempt = new StepAttempt({
      step,
      timeoutMs: 1000,
      cancelled: new AbortController().signal,
      output: {},
    });
    expect(attempt.failure(new Error('HTTP 503 from the deploy API'))).toBe(
      'HTTP 503 from the deploy API',
    );
    // fetch's own timeout, a DOMException on some Node versions
    expect(attempt.failure({ name: 'TimeoutError' })).toBe(
      'timed out after 1000 ms',
    );
    expect(attempt.failure('plain text')).toBe('plain text');
  });
});

describe('isRefusal', () => {
  it('treats a refusal by policy as final and other errors as worth retrying', () => {
    expect(isRefusal(new NotAllowedError('10.0.0.1 is not allowed'))).toBe(
      true,
    );
    expect(isRefusal(new Error('connect ECONNREFUSED'))).toBe(false);
    expect(isRefusal(null)).toBe(false);
  });
});
