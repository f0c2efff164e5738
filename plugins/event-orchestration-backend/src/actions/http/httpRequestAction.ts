import { createOrchestrationAction } from '@edo/plugin-event-orchestration-node';
import { Config } from '@backstage/config';
import { NotAllowedError } from '@backstage/errors';
import { request } from 'undici';
import { z } from 'zod';
import {
  HostResolver,
  OutboundPolicy,
  OutboundPolicyOptions,
  createOutboundAgent,
  readCappedBody,
} from '../../shared/http';
import { sleep } from '../../shared/timers/sleep';
import { examples } from './httpRequestAction.examples';

const MAX_RESPONSE_BYTES = 64 * 1024;

/** How `http:request` is set up: what it may reach, and (for tests) how names resolve. */
export interface HttpRequestActionOptions extends OutboundPolicyOptions {
  resolve?: HostResolver;
}

/** Reads `eventOrchestration.actions.http`; fails on an entry it cannot parse. */
export function readHttpRequestActionOptions(
  config: Config,
): OutboundPolicyOptions {
  return {
    allowedHosts: config.getOptionalStringArray(
      'eventOrchestration.actions.http.allowedHosts',
    ),
    allowedCidrs: config.getOptionalStringArray(
      'eventOrchestration.actions.http.allowedCidrs',
    ),
  };
}

/**
 * `http:request`: calls an HTTP endpoint (Slack, a ticketing system, any API).
 * A response outside 2xx fails the step; 5xx answers and network errors are
 * retried (`retries`, default 2). The step's idempotency key is sent as
 * `Idempotency-Key`, so receivers that support it apply a retried call once.
 * Every connection is checked against the outbound policy (see
 * `OutboundPolicy`); a refusal is not retried. Redirects are not followed, and
 * the body is read up to 64 KiB (`truncated` says whether there was more).
 */
export function createHttpRequestAction(
  options: HttpRequestActionOptions = {},
) {
  const policy = new OutboundPolicy(options);
  const dispatcher = createOutboundAgent(policy, options.resolve);
  return createOrchestrationAction({
    id: 'http:request',
    description:
      'Sends an HTTP request; fails the step when the response status is not 2xx. ' +
      'Reaches public addresses only: the address of every connection is checked after DNS, and ' +
      'loopback, private, link-local, carrier-grade NAT, multicast, reserved and cloud metadata ' +
      'addresses are refused (the step fails at once, without retries) unless ' +
      '`eventOrchestration.actions.http.allowedCidrs` allows them; with `allowedHosts` set, only ' +
      'those host names are called. Redirects are not followed: a 3xx answer fails the step. The ' +
      'response body is read up to 64 KiB, then the connection is closed and `truncated` is true.',
    examples,
    schema: {
      input: z
        .object({
          url: z
            .string()
            .url()
            .refine(u => /^https?:\/\//i.test(u), 'must be an http(s) URL')
            .refine(
              // undici would drop them without a word; fetch used to refuse.
              u =>
                !URL.canParse(u) ||
                (!new URL(u).username && !new URL(u).password),
              'must not contain credentials; send them in headers (Authorization)',
            )
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
      output: z.object({
        status: z.number(),
        body: z.unknown(),
        truncated: z
          .boolean()
          .optional()
          .describe('true when the body was cut at 64 KiB'),
      }),
    },
    async handler(ctx) {
      const { url, method, headers, body, timeoutMs, retries } = ctx.input;
      const verdict = policy.checkUrl(url);
      if (!verdict.allowed) throw new NotAllowedError(verdict.reason);
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
      // The origin only: a path may carry a token (Slack and Discord webhook URLs).
      const { origin } = new URL(url);
      let response: Awaited<ReturnType<typeof request>> | undefined;
      for (let attempt = 0; ; attempt++) {
        const signal = AbortSignal.any([
          ctx.signal,
          AbortSignal.timeout(timeoutMs),
        ]);
        ctx.logger.info(`${method} ${origin}`);
        try {
          // undici's request never follows redirects: a 3xx is the answer.
          response = await request(url, {
            method,
            headers: requestHeaders,
            body: payload,
            signal,
            dispatcher,
          });
          if (response.statusCode < 500 || attempt >= retries) break;
          await response.body.dump();
          ctx.logger.warn(
            `answered ${response.statusCode}; retrying (${
              retries - attempt
            } left)`,
          );
        } catch (error) {
          if (
            error instanceof NotAllowedError ||
            ctx.signal.aborted ||
            attempt >= retries
          ) {
            throw error;
          }
          ctx.logger.warn(
            `${(error as Error).message}; retrying (${retries - attempt} left)`,
          );
        }
        await sleep(500 * 2 ** attempt);
      }
      if (!response) throw new Error('no response');
      const { bytes, truncated } = await readCappedBody(
        response.body,
        MAX_RESPONSE_BYTES,
      );
      const text = bytes.toString('utf8');
      const status = response.statusCode;
      let parsed: unknown = text;
      const contentType = response.headers['content-type'];
      if (String(contentType ?? '').includes('json')) {
        try {
          parsed = JSON.parse(text);
        } catch {
          // keep the text: a broken or truncated JSON body is still worth showing
        }
      }
      ctx.output('status', status);
      ctx.output('body', parsed as any);
      if (truncated) ctx.output('truncated', true);
      ctx.logger.info(
        `answered ${status}${
          truncated ? `; body cut at ${MAX_RESPONSE_BYTES} bytes` : ''
        }`,
      );
      if (status < 200 || status >= 300) {
        throw new Error(
          `${method} ${url} answered ${status}: ${text.slice(0, 500)}`,
        );
      }
    },
  });
}

/** `http:request` with the default policy: public addresses only, any host name. */
export const httpRequestAction = createHttpRequestAction();
