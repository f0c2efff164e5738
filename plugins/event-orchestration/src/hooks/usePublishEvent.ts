import { useState } from 'react';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import { eventPublishPermission } from '@edo/plugin-event-orchestration-common';
import { eventOrchestrationApiRef } from '../api';
import { backendErrorMessage } from './backendErrorMessage';

/**
 * Publishing a manual event about an entity as the signed-in user: whether
 * the user may, and the call, which alerts on success and keeps the backend's
 * reason on failure. `publish` resolves to whether it worked.
 */
export function usePublishEvent(about: { entityRef: string; subject: string }) {
  const { entityRef, subject } = about;
  const api = useApi(eventOrchestrationApiRef);
  const alertApi = useApi(alertApiRef);
  const { allowed } = usePermission({ permission: eventPublishPermission });
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const publish = async (type: string, data: unknown): Promise<boolean> => {
    setBusy(true);
    setError(undefined);
    try {
      const { id } = await api.publishEvent({
        type,
        subject,
        entityRef,
        data,
      });
      alertApi.post({
        message: `Published ${type} as ${id}`,
        severity: 'success',
        display: 'transient',
      });
      return true;
    } catch (e) {
      setError(backendErrorMessage(e));
      return false;
    } finally {
      setBusy(false);
    }
  };

  return { allowed, publish, busy, error };
}
