import { useApi } from '@backstage/core-plugin-api';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { eventOrchestrationApiRef } from '../api';

/** One run with its steps; nothing while `runId` is absent. */
export function useRun(runId: string | null | undefined) {
  const api = useApi(eventOrchestrationApiRef);
  const { value, loading, error, retry } = useAsyncRetry(
    async () => (runId ? api.getRun(runId) : undefined),
    [api, runId],
  );
  return { run: value, loading, error, refresh: retry };
}
