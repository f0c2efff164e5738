import { useApi } from '@backstage/core-plugin-api';
import useAsync from 'react-use/esm/useAsync';
import { eventOrchestrationApiRef } from '../api';

/** A stored event with every sensor's verdict on it and the runs it started. */
export function useEventDetail(eventId: string) {
  const api = useApi(eventOrchestrationApiRef);
  return useAsync(() => api.getEvent(eventId), [eventId]);
}
