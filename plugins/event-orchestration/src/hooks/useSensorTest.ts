import { useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import { SensorTestResult } from '@edo/plugin-event-orchestration-common';
import { eventOrchestrationApiRef } from '../api';
import { backendErrorMessage } from './backendErrorMessage';

/**
 * A dry run of one stored event against one sensor (nothing is stored, no run
 * starts): its verdict, or the backend's reason it could not be tried.
 */
export function useSensorTest(eventId: string) {
  const api = useApi(eventOrchestrationApiRef);
  const [result, setResult] = useState<SensorTestResult>();
  const [error, setError] = useState<string>();

  const test = async (sensorName: string) => {
    setError(undefined);
    try {
      const { results } = await api.testSensor({ sensorName, eventId });
      setResult(results[0]);
    } catch (e) {
      setError(backendErrorMessage(e));
    }
  };

  return { result, error, test, clearResult: () => setResult(undefined) };
}
