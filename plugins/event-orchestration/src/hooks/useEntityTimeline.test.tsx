import { PropsWithChildren } from 'react';
import { registerMswTestHooks } from '@backstage/test-utils';
import { act, renderHook, waitFor } from '@testing-library/react';
import { rest } from 'msw';
import { setupServer } from 'msw/node';
import { recordedEvents, recordedRuns } from '../__fixtures__/recorded';
import { TEST_BASE_URL as BASE, withApis } from '../__testUtils__/withApis';
import { NO_FILTERS, TabFilters, useEntityTimeline } from './useEntityTimeline';

const server = setupServer();
registerMswTestHooks(server);

const entityRef = 'component:default/my-awesome-app';
const [recordedRun] = recordedRuns.items;
const run = (id: string) => ({ ...recordedRun, id });

const wrapper = ({ children }: PropsWithChildren<{}>) =>
  withApis(<>{children}</>);

describe('useEntityTimeline', () => {
  it('loads older runs on request after the first page, each run once, until no cursor is left', async () => {
    const runQueries: URLSearchParams[] = [];
    server.use(
      rest.get(`${BASE}/events`, (_req, res, ctx) =>
        res(ctx.json(recordedEvents)),
      ),
      rest.get(`${BASE}/runs`, (req, res, ctx) => {
        runQueries.push(req.url.searchParams);
        return req.url.searchParams.get('cursor') === 'page-2'
          ? res(ctx.json({ items: [run('r2'), run('r3')] }))
          : res(
              ctx.json({ items: [run('r1'), run('r2')], nextCursor: 'page-2' }),
            );
      }),
    );
    const { result } = renderHook(
      () => useEntityTimeline(entityRef, NO_FILTERS),
      { wrapper },
    );
    await waitFor(() => expect(result.current.timeline).toBeDefined());
    expect(result.current.timeline!.runs.map(r => r.id)).toEqual(['r1', 'r2']);
    expect(result.current.timeline!.moreRuns).toBe(true);
    expect(result.current.timeline!.firstPageEmpty).toBe(false);

    await act(() => result.current.loadMore('runs'));
    expect(result.current.timeline!.runs.map(r => r.id)).toEqual([
      'r1',
      'r2',
      'r3',
    ]);
    expect(result.current.timeline!.moreRuns).toBe(false);
    expect(runQueries[1].get('entityRef')).toBe(entityRef);
    expect(runQueries[1].get('limit')).toBe('50');
  });

  it('asks for the filtered first page: trimmed type and sensor, status, and the start of the time range', async () => {
    const queries: Record<string, URLSearchParams> = {};
    server.use(
      rest.get(`${BASE}/events`, (req, res, ctx) => {
        queries.events = req.url.searchParams;
        return res(ctx.json({ items: [] }));
      }),
      rest.get(`${BASE}/runs`, (req, res, ctx) => {
        queries.runs = req.url.searchParams;
        return res(ctx.json({ items: [] }));
      }),
    );
    const filters: TabFilters = {
      type: ' alertmanager.alert ',
      sensor: ' slo-remediation',
      status: 'failed',
      range: '1h',
    };
    const before = Date.now();
    const { result } = renderHook(() => useEntityTimeline(entityRef, filters), {
      wrapper,
    });
    await waitFor(() => expect(result.current.timeline).toBeDefined());
    expect(result.current.timeline!.firstPageEmpty).toBe(true);
    expect(queries.events.get('type')).toBe('alertmanager.alert');
    expect(queries.events.get('sensor')).toBeNull();
    expect(queries.runs.get('sensor')).toBe('slo-remediation');
    expect(queries.runs.get('status')).toBe('failed');
    expect(queries.runs.get('type')).toBeNull();
    const since = Date.parse(queries.runs.get('since')!);
    expect(since).toBeGreaterThanOrEqual(before - 3_600_000);
    expect(since).toBeLessThanOrEqual(Date.now() - 3_600_000);
    expect(queries.events.get('since')).toBe(queries.runs.get('since'));
  });
});
