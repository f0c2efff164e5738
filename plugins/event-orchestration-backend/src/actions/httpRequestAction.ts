import { createOrchestrationAction } from '@edo/plugin-event-orchestration-node';
import { z } from 'zod';

const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * `http:request`: calls an HTTP endpoint (Slack, a ticketing system, any API).
 * A response outside 2xx fails the step. The step's idempotency key is sent as
 * `Idempotency-Key`, so receivers that support it apply a retried call once.
 */
export const httpRequestAction = createOrchestrationAction({
  id: 'http:request',
  description:
    'Sends an HTTP request; fails the step when the response status is not 2xx.',
  schema: {
    input: z
      .object({
        url: z
          .string()
          .url()
          .refine(u => /^https?:\/\//i.test(u), 'must be an http(s) URL')
          .describe('Absolute http(s) URL'),
        method: z
          .enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'])
          .default('POST'),
        headers: z.record(z.string()).default({}),
        body: z
          .unknown()
          .optional()
          .describe('A string is sent as is; anything else as JSON'),
        timeoutMs: z.number().int().positive().max(300_000).default(10_000),
      })
      .strict(),
    output: z.object({ status: z.number(), body: z.unknown() }),
  },
  async handler(ctx) {
    const { url, method, headers, body, timeoutMs } = ctx.input;
    const requestHeaders: Record<string, string> = {
      'idempotency-key': ctx.idempotencyKey,
      ...Object.fromEntries(
        Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]),
      ),
    };
    let payload: string | undefined;
    if (body !== undefined && method !== 'GET' && method !== 'HEAD') {
      if (typeof body === 'string') {
        payload = body;
      } else {
        payload = JSON.stringify(body);
        requestHeaders['content-type'] ??= 'application/json';
      }
    }
    const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)]);
    ctx.logger.info(`${method} ${new URL(url).origin}${new URL(url).pathname}`);
    const response = await fetch(url, {
      method,
      headers: requestHeaders,
      body: payload,
      signal,
      redirect: 'manual',
    });
    const text = (await response.text()).slice(0, MAX_RESPONSE_BYTES);
    let parsed: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('json')) {
      try {
        parsed = JSON.parse(text);
      } catch {
        // keep the text: a broken JSON body is still worth showing
      }
    }
    ctx.output('status', response.status);
    ctx.output('body', parsed as any);
    ctx.logger.info(`answered ${response.status}`);
    if (response.status < 200 || response.status >= 300) {
      throw new Error(
        `${method} ${url} answered ${response.status}: ${text.slice(0, 500)}`,
      );
    }
  },
});
