import { useState } from 'react';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import {
  entityEventPublishPermission,
  eventPublishPermission,
} from '@edo/plugin-event-orchestration-common';
import { eventOrchestrationApiRef } from '../api';
import { backendErrorMessage } from './backendErrorMessage';
import { useEntityScopedPermission } from './useEntityScopedPermission';

/**
 * Publishing a manual event about an entity as the signed-in user: whether
 * the user may (`event-orchestration.event.create` and
 * `event-orchestration.entity.event.create` on the entity), and the call, which alerts on success and keeps the backend's
 * reason on failure. `publish` resolves to whether it worked.
 */
export function usePublishEvent(about: { entityRef: string; subject: string }) {
  const { entityRef, subject } = about;
  const api = useApi(eventOrchestrationApiRef);
  const alertApi = useApi(alertApiRef);
  const permitted = useEntityScopedPermission({
    global: eventPublishPermission,
    entity: entityEventPublishPermission,
    entityRefs: [entityRef],
  });
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

  return { permitted, publish, busy, error };
}
