import { useApi } from '@backstage/core-plugin-api';
import useAsync from 'react-use/esm/useAsync';
import { eventOrchestrationApiRef } from '../api';

/**
 * For an entity's overview card: its newest 20 runs (the last one, and those
 * awaiting approval) and its newest 3 events.
 */
export function useEntityOverview(entityRef: string) {
  const api = useApi(eventOrchestrationApiRef);
  return useAsync(async () => {
    const [runs, events] = await Promise.all([
      api.listRuns({ entityRef, limit: 20 }),
      api.listEvents({ entityRef, limit: 3 }),
    ]);
    return { runs: runs.items, events: events.items };
  }, [api, entityRef]);
}
