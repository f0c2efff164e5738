import { runActionForTest } from '../__testUtils__/runAction';
import { startHttpSink } from '../__testUtils__/httpSink';
import { createHttpRequestAction, hostAllowed } from './httpRequestAction';

const run = (
  action: ReturnType<typeof createHttpRequestAction>,
  input: Record<string, unknown>,
) => runActionForTest(action, input, { runId: 'run-1', stepId: 'call' });

describe('http:request', () => {
  it('retries 5xx answers with the same Idempotency-Key and reports the final answer', async () => {
    const sink = await startHttpSink();
    try {
      sink.answerNext(503, 502);
      const out = await run(createHttpRequestAction(), {
        url: `${sink.url}/hook`,
        body: { text: 'hi' },
      });
      expect(out).toEqual({ status: 200, body: { ok: true } });
      expect(sink.received.map(r => r.headers['idempotency-key'])).toEqual([
        'run-1:call',
        'run-1:call',
        'run-1:call',
      ]);
      expect(sink.received.map(r => r.body)).toEqual(
        Array(3).fill('{"text":"hi"}'),
      );
    } finally {
      await sink.close();
    }
  });

  it('calls only allowed hosts when an allow-list is configured', async () => {
    const sink = await startHttpSink();
    try {
      const strict = createHttpRequestAction({
        allowedHosts: ['hooks.slack.com', '*.example.com'],
      });
      await expect(run(strict, { url: `${sink.url}/hook` })).rejects.toThrow(
        '127.0.0.1 is not in eventOrchestration.actions.http.allowedHosts',
      );
      expect(sink.received).toHaveLength(0);
      const loopback = createHttpRequestAction({ allowedHosts: ['127.0.0.1'] });
      expect((await run(loopback, { url: `${sink.url}/hook` })).status).toBe(
        200,
      );
    } finally {
      await sink.close();
    }
  });

  it('never reaches cloud metadata or link-local addresses without an allow-list naming them', () => {
    expect(
      hostAllowed(
        new URL('http://169.254.169.254/latest/meta-data/'),
        undefined,
      ),
    ).toBe(false);
    expect(
      hostAllowed(
        new URL('http://metadata.google.internal/computeMetadata/v1/'),
        undefined,
      ),
    ).toBe(false);
    expect(
      hostAllowed(new URL('https://hooks.slack.com/services/x'), undefined),
    ).toBe(true);
    expect(
      hostAllowed(new URL('https://api.example.com/x'), ['*.example.com']),
    ).toBe(true);
    expect(
      hostAllowed(new URL('https://example.com.evil.io/x'), ['*.example.com']),
    ).toBe(false);
  });
});
