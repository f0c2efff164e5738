import { useEffect, useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import {
  Run,
  RunStatus,
  StoredEvent,
} from '@edo/plugin-event-orchestration-common';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { eventOrchestrationApiRef } from '../api';
import { useLiveRefresh } from './useLiveRefresh';

/** What the Events tab shows: runs by sensor and status, events by type, both by time. */
export interface TabFilters {
  type: string;
  sensor: string;
  /** A run status, or '' for any. */
  status: '' | RunStatus;
  range: 'all' | '1h' | '24h' | '7d';
}

export const NO_FILTERS: TabFilters = {
  type: '',
  sensor: '',
  status: '',
  range: 'all',
};

const RANGE_MS = {
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
} as const;

/** The ISO time a range starts at, computed when the data is fetched. */
export function sinceOf(range: TabFilters['range']): string | undefined {
  return range === 'all'
    ? undefined
    : new Date(Date.now() - RANGE_MS[range]).toISOString();
}

/** Items per page of the tab's tables. */
const PAGE = 50;

/** How often to refresh when Backstage signals are not installed. */
const POLL_INTERVAL_MS = 10_000;

interface OlderPages {
  events: StoredEvent[];
  runs: Run[];
  /** undefined: continue after the first page; null: nothing older. */
  eventsCursor?: string | null;
  runsCursor?: string | null;
}
const NO_OLDER: OlderPages = { events: [], runs: [] };

/** The first page followed by the older pages, each item once. */
function mergeById<T>(first: T[], more: T[], id: (item: T) => string): T[] {
  const seen = new Set(first.map(id));
  return [...first, ...more.filter(item => !seen.has(id(item)))];
}

/** An entity's runs and events as loaded so far, newest first. */
export interface EntityTimeline {
  runs: Run[];
  events: StoredEvent[];
  /** Whether older runs or events can be loaded. */
  moreRuns: boolean;
  moreEvents: boolean;
  /** The first page has neither a run nor an event. */
  firstPageEmpty: boolean;
}

/**
 * The runs and events of one entity for the Events tab: the first page with
 * the filters applied, renewed live (signals about this entity, else polling
 * every 10 s) and kept on screen while refreshing; older pages on request.
 */
export function useEntityTimeline(entityRef: string, filters: TabFilters) {
  const api = useApi(eventOrchestrationApiRef);
  const queries = () => {
    const since = sinceOf(filters.range);
    return {
      events: {
        entityRef,
        limit: PAGE,
        type: filters.type.trim() || undefined,
        since,
      },
      runs: {
        entityRef,
        limit: PAGE,
        sensor: filters.sensor.trim() || undefined,
        status: filters.status || undefined,
        since,
      },
    };
  };
  const { value, loading, error, retry } = useAsyncRetry(
    async () => {
      const q = queries();
      const [events, runs] = await Promise.all([
        api.listEvents(q.events),
        api.listRuns(q.runs),
      ]);
      return {
        events: events.items,
        runs: runs.items,
        eventsCursor: events.nextCursor,
        runsCursor: runs.nextCursor,
      };
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [api, entityRef, filters],
  );

  // Older pages, loaded on request; the live refresh renews the first page only.
  const [older, setOlder] = useState<OlderPages>(NO_OLDER);
  useEffect(() => setOlder(NO_OLDER), [filters, entityRef]);
  const loadMore = async (what: 'events' | 'runs') => {
    const q = queries();
    const cursor =
      what === 'events'
        ? older.eventsCursor ?? value?.eventsCursor
        : older.runsCursor ?? value?.runsCursor;
    if (!cursor) return;
    if (what === 'events') {
      const page = await api.listEvents({ ...q.events, cursor });
      setOlder(o => ({
        ...o,
        events: [...o.events, ...page.items],
        eventsCursor: page.nextCursor ?? null,
      }));
    } else {
      const page = await api.listRuns({ ...q.runs, cursor });
      setOlder(o => ({
        ...o,
        runs: [...o.runs, ...page.items],
        runsCursor: page.nextCursor ?? null,
      }));
    }
  };

  // Keep the last data while refreshing, so tables do not flicker.
  const [data, setData] = useState<typeof value>();
  useEffect(() => {
    if (value) setData(value);
  }, [value]);

  const { isLive } = useLiveRefresh(retry, {
    entityRef,
    pollIntervalMs: POLL_INTERVAL_MS,
  });

  const timeline: EntityTimeline | undefined = data && {
    runs: mergeById(data.runs, older.runs, r => r.id),
    events: mergeById(data.events, older.events, e => e.event.id),
    moreRuns:
      older.runsCursor === null
        ? false
        : Boolean(older.runsCursor ?? data.runsCursor),
    moreEvents:
      older.eventsCursor === null
        ? false
        : Boolean(older.eventsCursor ?? data.eventsCursor),
    firstPageEmpty: data.events.length === 0 && data.runs.length === 0,
  };
  return { timeline, loading, error, refresh: retry, loadMore, isLive };
}
