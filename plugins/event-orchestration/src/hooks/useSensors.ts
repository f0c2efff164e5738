import { useApi } from '@backstage/core-plugin-api';
import useAsync from 'react-use/esm/useAsync';
import { eventOrchestrationApiRef } from '../api';

/** The loaded sensors and the definitions that failed to load. */
export function useSensors() {
  const api = useApi(eventOrchestrationApiRef);
  return useAsync(() => api.getSensors(), [api]);
}
