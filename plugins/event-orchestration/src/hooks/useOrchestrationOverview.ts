import { useApi } from '@backstage/core-plugin-api';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { eventOrchestrationApiRef } from '../api';
import { useLiveRefresh } from './useLiveRefresh';

/**
 * Everything the global page shows, renewed on every run or event signal: the
 * newest 100 runs and events, the sensors with their load errors, and the
 * bus's health.
 */
export function useOrchestrationOverview() {
  const api = useApi(eventOrchestrationApiRef);
  const { value, loading, error, retry } = useAsyncRetry(async () => {
    const [runs, events, sensors, health] = await Promise.all([
      api.listRuns({ limit: 100 }),
      api.listEvents({ limit: 100 }),
      api.getSensors(),
      api.getHealth(),
    ]);
    return { runs: runs.items, events: events.items, sensors, health };
  }, [api]);
  useLiveRefresh(retry);
  return { value, loading, error, refresh: retry };
}
