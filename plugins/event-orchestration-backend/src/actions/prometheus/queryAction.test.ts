import http from 'node:http';
import { AddressInfo } from 'node:net';
import { runActionForTest } from '../../__testUtils__/runAction';
import { HostResolver } from '../../shared/http';
import { createPrometheusQueryAction } from './queryAction';
import { PrometheusSettings } from './prometheusInstances';

/** A loopback server answering /api/v1/query as Prometheus documents it. */
async function startPrometheus(
  answer: (query: URLSearchParams) => { status: number; body: unknown },
) {
  const received: Array<{
    method: string;
    path: string;
    query: URLSearchParams;
    authorization?: string;
  }> = [];
  let connections = 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    received.push({
      method: req.method ?? '',
      path: url.pathname,
      query: url.searchParams,
      authorization: req.headers.authorization,
    });
    const { status, body } =
      url.pathname === '/api/v1/query'
        ? answer(url.searchParams)
        : { status: 404, body: '404 page not found' };
    res.writeHead(status, {
      'content-type':
        typeof body === 'string' ? 'text/plain' : 'application/json',
    });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  server.on('connection', () => connections++);
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    connections: () => connections,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const toLoopback: HostResolver = async () => [
  { address: '127.0.0.1', family: 4 },
];

const vector = (...values: string[]) => ({
  status: 'success',
  data: {
    resultType: 'vector',
    result: values.map((v, i) => ({
      metric: { app: 'my-awesome-app', pod: `my-awesome-app-${i}` },
      value: [1764676800.123, v],
    })),
  },
});

const ERROR_RATE =
  'sum(rate(http_requests_total{app="my-awesome-app",code=~"5.."}[5m])) / sum(rate(http_requests_total{app="my-awesome-app"}[5m]))';

describe('prometheus:query', () => {
  let prometheus: Awaited<ReturnType<typeof startPrometheus>>;
  let answer: { status: number; body: unknown };
  const settings = (
    extra: Partial<PrometheusSettings> = {},
  ): PrometheusSettings => ({
    instances: [
      {
        name: 'prod',
        baseUrl: `http://prometheus.test:${prometheus.port}`,
        token: 'prom-token',
      },
      {
        name: 'staging',
        baseUrl: `http://prometheus-staging.test:${prometheus.port}`,
      },
    ],
    allowedCidrs: ['127.0.0.1/32'],
    resolve: toLoopback,
    ...extra,
  });
  const run = (
    input: Record<string, unknown>,
    extra?: Partial<PrometheusSettings>,
  ) => runActionForTest(createPrometheusQueryAction(settings(extra)), input);

  beforeEach(async () => {
    answer = { status: 200, body: vector('0.004') };
    prometheus = await startPrometheus(() => answer);
  });
  afterEach(() => prometheus.close());

  it('sends the instant query with the token and outputs the vector and the first value', async () => {
    const output = await run({
      query: ERROR_RATE,
      time: '2026-12-02T12:00:00Z',
    });
    expect(output).toEqual({
      resultType: 'vector',
      result: [
        {
          metric: { app: 'my-awesome-app', pod: 'my-awesome-app-0' },
          value: [1764676800.123, '0.004'],
        },
      ],
      value: 0.004,
    });
    expect(prometheus.received).toHaveLength(1);
    const [request] = prometheus.received;
    expect(request.method).toBe('GET');
    expect(request.path).toBe('/api/v1/query');
    expect(Object.fromEntries(request.query)).toEqual({
      query: ERROR_RATE,
      time: '2026-12-02T12:00:00Z',
    });
    expect(request.authorization).toBe('Bearer prom-token');
  });

  it('passes when the first value satisfies expect', async () => {
    await expect(
      run({ query: ERROR_RATE, expect: { lt: 0.01, gte: 0 } }),
    ).resolves.toMatchObject({ value: 0.004 });
  });

  it('fails the step with the value when expect does not hold', async () => {
    answer = { status: 200, body: vector('0.042', '0.001') };
    await expect(
      run({ query: ERROR_RATE, expect: { lt: 0.01 } }),
    ).rejects.toThrow(
      `expected the first sample of ${ERROR_RATE} to be < 0.01, but it is 0.042`,
    );
  });

  it('fails an assertion on an empty vector, and on NaN', async () => {
    answer = { status: 200, body: vector() };
    await expect(
      run({ query: 'up{job="gone"}', expect: { eq: 1 } }),
    ).rejects.toThrow(
      'expected the first sample of up{job="gone"} to be == 1, but the query returned no sample',
    );
    answer = { status: 200, body: vector('NaN') };
    await expect(run({ query: 'x', expect: { lt: 1 } })).rejects.toThrow(
      'expected the first sample of x to be < 1, but it is NaN',
    );
  });

  it('reads a scalar result on the instance it names, without a token', async () => {
    answer = {
      status: 200,
      body: {
        status: 'success',
        data: { resultType: 'scalar', result: [1764676800, '3'] },
      },
    };
    expect(
      await run({
        query: 'scalar(count(up))',
        instance: 'staging',
        expect: { gte: 3 },
      }),
    ).toEqual({ resultType: 'scalar', result: [1764676800, '3'], value: 3 });
    expect(prometheus.received[0].authorization).toBeUndefined();
  });

  it("fails with Prometheus' error for a bad query", async () => {
    answer = {
      status: 400,
      body: {
        status: 'error',
        errorType: 'bad_data',
        error: 'invalid parameter "query": 1:5: parse error: unexpected "}"',
      },
    };
    await expect(run({ query: 'rate(}' })).rejects.toThrow(
      'Prometheus prod refused the query (400 bad_data): invalid parameter "query": 1:5: parse error: unexpected "}"',
    );
  });

  it('outputs at most 100 samples and says it cut the rest', async () => {
    answer = {
      status: 200,
      body: vector(...Array.from({ length: 150 }, (_, i) => String(i))),
    };
    const output = await run({ query: 'up' });
    expect((output.result as unknown[]).length).toBe(100);
    expect(output.truncated).toBe(true);
    expect(output.value).toBe(0);
  });

  it('refuses the instance when its address is not allowed, without connecting', async () => {
    await expect(run({ query: 'up' }, { allowedCidrs: [] })).rejects.toThrow(
      'prometheus:query refused 127.0.0.1 (loopback address) for prometheus.test; allow it with eventOrchestration.prometheus.allowedCidrs',
    );
    expect(prometheus.connections()).toBe(0);
  });

  it('names an unknown instance and the configured ones', async () => {
    await expect(run({ query: 'up', instance: 'dev' })).rejects.toThrow(
      "no Prometheus instance named 'dev' (configured: prod, staging)",
    );
    await expect(
      runActionForTest(createPrometheusQueryAction(), { query: 'up' }),
    ).rejects.toThrow(
      'no Prometheus instance is configured (eventOrchestration.prometheus.instances)',
    );
  });

  it('bounds its input', () => {
    const action = createPrometheusQueryAction(settings());
    const problems = (input: Record<string, unknown>) => {
      const parsed = action.schema.input.safeParse(input);
      return parsed.success
        ? undefined
        : parsed.error.issues.map(i => `${i.path.join('.')}: ${i.message}`);
    };
    expect(problems({ query: 'x'.repeat(4001) })).toEqual([
      'query: String must contain at most 4000 character(s)',
    ]);
    expect(problems({ query: 'up', time: 'now; DROP' })).toEqual([
      'time: must be a Unix timestamp or an RFC 3339 time',
    ]);
    expect(problems({ query: 'up', expect: {} })).toEqual([
      'expect: name at least one comparison',
    ]);
    expect(problems({ query: 'up', expect: { below: 1 } })).toEqual([
      "expect: Unrecognized key(s) in object: 'below'",
      'expect: name at least one comparison',
    ]);
    expect(problems({ query: 'up', timeoutMs: 600_000 })).toEqual([
      'timeoutMs: Number must be less than or equal to 120000',
    ]);
  });
});
