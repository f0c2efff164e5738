import { createOrchestrationAction } from '@edo/plugin-event-orchestration-node';
import { z } from 'zod';

const MAX_RESPONSE_BYTES = 64 * 1024;

/** Hosts `http:request` may call: patterns like `hooks.slack.com`, `*.example.com`. */
export type HostAllowList = string[] | undefined;

/** Addresses no sensor should reach unless allowed by name: cloud metadata, link-local. */
const ALWAYS_SENSITIVE = /^(169\.254\.|\[?fe80:|metadata\.google\.internal$)/i;

/**
 * Decides whether a URL's host may be called. With an allow-list only matching
 * hosts pass; without one every host passes except link-local and cloud
 * metadata addresses. (Names are matched as written: a DNS name pointing at a
 * private address is only stopped by an allow-list.)
 */
export function hostAllowed(url: URL, allowedHosts: HostAllowList): boolean {
  const host = url.hostname.toLowerCase();
  if (!allowedHosts) return !ALWAYS_SENSITIVE.test(host);
  return allowedHosts.some(pattern => {
    const p = pattern.toLowerCase();
    return p.startsWith('*.') ? host.endsWith(p.slice(1)) : host === p;
  });
}

/**
 * `http:request`: calls an HTTP endpoint (Slack, a ticketing system, any API).
 * A response outside 2xx fails the step; 5xx answers and network errors are
 * retried (`retries`, default 2). The step's idempotency key is sent as
 * `Idempotency-Key`, so receivers that support it apply a retried call once.
 */
export function createHttpRequestAction(
  options: { allowedHosts?: HostAllowList } = {},
) {
  return createOrchestrationAction({
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
          retries: z
            .number()
            .int()
            .min(0)
            .max(5)
            .default(2)
            .describe('Retries of 5xx answers and network errors'),
        })
        .strict(),
      output: z.object({ status: z.number(), body: z.unknown() }),
    },
    async handler(ctx) {
      const { url, method, headers, body, timeoutMs, retries } = ctx.input;
      if (!hostAllowed(new URL(url), options.allowedHosts)) {
        throw new Error(
          `${
            new URL(url).hostname
          } is not in eventOrchestration.actions.http.allowedHosts`,
        );
      }
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
      let response: Response | undefined;
      for (let attempt = 0; ; attempt++) {
        const signal = AbortSignal.any([
          ctx.signal,
          AbortSignal.timeout(timeoutMs),
        ]);
        ctx.logger.info(
          `${method} ${new URL(url).origin}${new URL(url).pathname}`,
        );
        try {
          response = await fetch(url, {
            method,
            headers: requestHeaders,
            body: payload,
            signal,
            redirect: 'manual',
          });
          if (response.status < 500 || attempt >= retries) break;
          ctx.logger.warn(
            `answered ${response.status}; retrying (${retries - attempt} left)`,
          );
        } catch (error) {
          if (ctx.signal.aborted || attempt >= retries) throw error;
          ctx.logger.warn(
            `${(error as Error).message}; retrying (${retries - attempt} left)`,
          );
        }
        await new Promise(resolve => setTimeout(resolve, 500 * 2 ** attempt));
      }
      if (!response) throw new Error('no response');
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
}

/** `http:request` with no allow-list: every host but link-local and metadata addresses. */
export const httpRequestAction = createHttpRequestAction();
