import { createOrchestrationAction } from '@edo/plugin-event-orchestration-node';
import { Dispatcher, request } from 'undici';
import { z } from 'zod';
import {
  OutboundPolicy,
  createOutboundAgent,
  readCappedBody,
} from '../../shared/http';
import { PrometheusInstance, PrometheusSettings } from './prometheusInstances';
import { examples } from './queryAction.examples';

const MAX_ANSWER_BYTES = 1024 * 1024;
const MAX_SAMPLES = 100;

const comparisons = {
  lt: (v: number, x: number) => v < x,
  lte: (v: number, x: number) => v <= x,
  gt: (v: number, x: number) => v > x,
  gte: (v: number, x: number) => v >= x,
  eq: (v: number, x: number) => v === x,
} as const;
const SYMBOLS = { lt: '<', lte: '<=', gt: '>', gte: '>=', eq: '==' } as const;
type Comparison = keyof typeof comparisons;

const sampleSchema = z.object({
  metric: z.record(z.string()).default({}),
  value: z.tuple([z.number(), z.string()]),
});

/** Prometheus' documented envelope of `/api/v1/query`. */
const answerSchema = z.union([
  z.object({
    status: z.literal('success'),
    data: z.discriminatedUnion('resultType', [
      z.object({
        resultType: z.literal('vector'),
        result: z.array(sampleSchema),
      }),
      z.object({
        resultType: z.literal('scalar'),
        result: z.tuple([z.number(), z.string()]),
      }),
      z.object({
        resultType: z.literal('matrix'),
        result: z.array(z.unknown()),
      }),
      z.object({
        resultType: z.literal('string'),
        result: z.tuple([z.number(), z.string()]),
      }),
    ]),
    warnings: z.array(z.string()).optional(),
  }),
  z.object({
    status: z.literal('error'),
    errorType: z.string().optional(),
    error: z.string().optional(),
  }),
]);

function pickInstance(instances: PrometheusInstance[], name?: string) {
  const instance = name ? instances.find(i => i.name === name) : instances[0];
  if (!instance) {
    throw new Error(
      name
        ? `no Prometheus instance named '${name}' (configured: ${
            instances.map(i => i.name).join(', ') || 'none'
          })`
        : 'no Prometheus instance is configured (eventOrchestration.prometheus.instances)',
    );
  }
  return instance;
}

/**
 * `prometheus:query`: an instant PromQL query against a configured Prometheus,
 * optionally asserting on the first sample's value (an SLO check after a fix).
 * Requests go through the outbound agent, pinned to the configured instances'
 * host names; their addresses pass the outbound policy, so an in-cluster
 * Prometheus needs its range in `eventOrchestration.prometheus.allowedCidrs`.
 */
export function createPrometheusQueryAction(
  settings: PrometheusSettings = { instances: [] },
) {
  const hosts = [
    ...new Set(settings.instances.map(i => new URL(i.baseUrl).hostname)),
  ];
  const policy = new OutboundPolicy({
    allowedHosts: hosts,
    allowedCidrs: settings.allowedCidrs,
    subject: 'prometheus:query',
    configPrefix: 'eventOrchestration.prometheus',
  });
  let agent: Dispatcher | undefined;

  return createOrchestrationAction({
    id: 'prometheus:query',
    description:
      'Runs an instant PromQL query (`GET /api/v1/query`) against a configured Prometheus ' +
      '(`eventOrchestration.prometheus.instances`) and outputs the result (at most 100 samples). ' +
      'With `expect` (`lt`, `lte`, `gt`, `gte`, `eq`), the first sample’s value must satisfy every ' +
      'comparison, else the step fails with the value; no sample fails it too. Prometheus does not order ' +
      'a vector, so assert on a query that aggregates to one sample (`sum`, `max`, a ratio).',
    examples,
    schema: {
      input: z
        .object({
          query: z
            .string()
            .min(1)
            .max(4000)
            .describe('PromQL expression, evaluated at `time` (default now)'),
          instance: z
            .string()
            .min(1)
            .max(63)
            .optional()
            .describe('Name of a configured Prometheus; default the first'),
          time: z
            .string()
            .regex(
              /^(\d{1,10}(\.\d{1,3})?|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2}))$/,
              'must be a Unix timestamp or an RFC 3339 time',
            )
            .optional()
            .describe('Evaluation time: Unix seconds or RFC 3339'),
          expect: z
            .object({
              lt: z.number().finite().optional(),
              lte: z.number().finite().optional(),
              gt: z.number().finite().optional(),
              gte: z.number().finite().optional(),
              eq: z.number().finite().optional(),
            })
            .strict()
            .refine(
              e => Object.keys(e).length > 0,
              'name at least one comparison',
            )
            .optional()
            .describe("Comparisons the first sample's value must satisfy"),
          timeoutMs: z.number().int().positive().max(120_000).default(30_000),
        })
        .strict(),
      output: z.object({
        resultType: z.enum(['vector', 'scalar', 'matrix', 'string']),
        result: z.unknown(),
        value: z
          .number()
          .nullable()
          .optional()
          .describe("The first sample's value (null when NaN or ±Inf)"),
        truncated: z.boolean().optional(),
        warnings: z.array(z.string()).optional(),
      }),
    },
    async handler(ctx) {
      const { query, time, expect, timeoutMs } = ctx.input;
      const instance = pickInstance(settings.instances, ctx.input.instance);
      agent ??= createOutboundAgent(policy, settings.resolve);
      const params = new URLSearchParams({ query });
      if (time) params.set('time', time);
      const url = `${instance.baseUrl}/api/v1/query?${params}`;
      ctx.logger.info(`querying Prometheus ${instance.name}: ${query}`);
      const response = await request(url, {
        method: 'GET',
        headers: {
          accept: 'application/json',
          ...(instance.token
            ? { authorization: `Bearer ${instance.token}` }
            : {}),
        },
        dispatcher: agent,
        signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)]),
      });
      const { bytes, truncated } = await readCappedBody(
        response.body,
        MAX_ANSWER_BYTES,
      );
      const text = bytes.toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new Error(
          `Prometheus ${instance.name} answered ${response.statusCode} with ${
            truncated ? 'more than 1 MiB' : 'no JSON'
          }: ${text.slice(0, 300)}`,
        );
      }
      const parsed = answerSchema.safeParse(json);
      if (!parsed.success) {
        throw new Error(
          `Prometheus ${instance.name} answered ${
            response.statusCode
          } in an unknown shape: ${text.slice(0, 300)}`,
        );
      }
      const answer = parsed.data;
      if (answer.status === 'error') {
        throw new Error(
          `Prometheus ${instance.name} refused the query (${
            response.statusCode
          } ${answer.errorType ?? 'error'}): ${answer.error ?? ''}`,
        );
      }
      const { resultType } = answer.data;
      let result: unknown = answer.data.result;
      let first: string | undefined;
      let cut = false;
      if (answer.data.resultType === 'vector') {
        const samples = answer.data.result;
        first = samples[0]?.value[1];
        cut = samples.length > MAX_SAMPLES;
        result = samples.slice(0, MAX_SAMPLES);
      } else if (answer.data.resultType === 'scalar') {
        first = answer.data.result[1];
      } else if (answer.data.resultType === 'matrix') {
        cut = answer.data.result.length > MAX_SAMPLES;
        result = answer.data.result.slice(0, MAX_SAMPLES);
      }
      const value = first === undefined ? undefined : Number(first);
      ctx.output('resultType', resultType);
      ctx.output('result', result as any);
      if (value !== undefined)
        ctx.output('value', Number.isFinite(value) ? value : null);
      if (cut) ctx.output('truncated', true);
      if (answer.warnings?.length) ctx.output('warnings', answer.warnings);
      ctx.logger.info(
        value === undefined
          ? `${resultType} result without a sample value`
          : `first sample value ${first}`,
      );
      if (!expect) return;
      if (value === undefined) {
        throw new Error(
          `expected the first sample of ${query} to be ${describe(
            expect,
          )}, but the query returned no sample`,
        );
      }
      const failed = (Object.keys(expect) as Comparison[]).filter(
        k => expect[k] !== undefined && !comparisons[k](value, expect[k]!),
      );
      if (failed.length > 0 || Number.isNaN(value)) {
        throw new Error(
          `expected the first sample of ${query} to be ${describe(
            expect,
          )}, but it is ${first}`,
        );
      }
      ctx.logger.info(`${first} is ${describe(expect)}`);
    },
  });
}

function describe(expect: Partial<Record<Comparison, number>>): string {
  return (Object.keys(expect) as Comparison[])
    .filter(k => expect[k] !== undefined)
    .map(k => `${SYMBOLS[k]} ${expect[k]}`)
    .join(' and ');
}
