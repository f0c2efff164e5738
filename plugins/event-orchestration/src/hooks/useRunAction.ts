import { useState } from 'react';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  actionRunPermission,
  entityRunManagePermission,
  runManagePermission,
} from '@edo/plugin-event-orchestration-common';
import useAsync from 'react-use/esm/useAsync';
import { eventOrchestrationApiRef } from '../api';
import { backendErrorMessage } from './backendErrorMessage';
import { useEntityScopedPermission } from './useEntityScopedPermission';

/**
 * Running one action by hand about an entity (`POST /actions/:id/runs`): the
 * actions the deployment lets users run by hand (loaded once `loadActions`), whether the user may act
 * about the entity (`run.manage` and `entity.run.manage` on it), and the call,
 * which alerts on success and keeps the backend's reason on failure.
 */
export function useRunAction(
  entityRef: string,
  options: { loadActions: boolean },
) {
  const api = useApi(eventOrchestrationApiRef);
  const alertApi = useApi(alertApiRef);
  const permitted = useEntityScopedPermission({
    global: runManagePermission,
    entity: entityRunManagePermission,
    entityRefs: [entityRef],
  });
  // Asked when the dialog opens, not on every visit of the tab.
  const actions = useAsync(
    async () =>
      options.loadActions
        ? (await api.listActions()).items.filter(a => a.runnableByHand)
        : undefined,
    [api, options.loadActions],
  );
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const run = async (
    actionId: string,
    input: Record<string, unknown>,
  ): Promise<boolean> => {
    setBusy(true);
    setError(undefined);
    try {
      const started = await api.runAction(actionId, { input, entityRef });
      alertApi.post({
        message: `Started ${actionId} as run ${started.id.slice(0, 8)}`,
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

  return {
    permitted,
    actions: actions.value,
    actionsError: actions.error,
    run,
    busy,
    error,
  };
}

/** Whether the policy lets the user run this action by hand (`event-orchestration.action.run` on its id). */
export function useActionRunPermission(actionId: string) {
  const { allowed, loading } = usePermission({
    permission: actionRunPermission,
    resourceRef: actionId,
  });
  return {
    loading,
    allowed,
    missing: loading
      ? undefined
      : `Needs ${actionRunPermission.name} on ${actionId}`,
  };
}
