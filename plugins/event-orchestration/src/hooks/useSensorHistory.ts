import { useApi } from '@backstage/core-plugin-api';
import useAsync from 'react-use/esm/useAsync';
import { eventOrchestrationApiRef } from '../api';

/** How many recent runs and verdicts a sensor's detail shows. */
const RECENT = 10;

/** A sensor's newest runs. */
export function useSensorRuns(sensor: string) {
  const api = useApi(eventOrchestrationApiRef);
  return useAsync(() => api.listRuns({ sensor, limit: RECENT }), [api, sensor]);
}

/** A sensor's newest verdicts: why it did or did not fire, event by event. */
export function useSensorVerdicts(sensor: string) {
  const api = useApi(eventOrchestrationApiRef);
  return useAsync(
    () => api.listSensorVerdicts(sensor, { limit: RECENT }),
    [api, sensor],
  );
}
