import { useState } from 'react';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  Run,
  runApprovePermission,
  runManagePermission,
} from '@edo/plugin-event-orchestration-common';
import { eventOrchestrationApiRef } from '../api';

/**
 * What the signed-in user may do with a run right now (the permission and the
 * run's state both allow it), and the calls that do it: each reports its
 * outcome as an alert and calls `onChanged` when it worked.
 */
export function useRunActions(run: Run, onChanged: () => void) {
  const api = useApi(eventOrchestrationApiRef);
  const alertApi = useApi(alertApiRef);
  const manage = usePermission({ permission: runManagePermission });
  const approve = usePermission({ permission: runApprovePermission });
  const [busy, setBusy] = useState(false);

  const act = async (what: string, call: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await call();
      alertApi.post({
        message: `Run ${run.id.slice(0, 8)}: ${what}`,
        severity: 'success',
        display: 'transient',
      });
      onChanged();
    } catch (error) {
      alertApi.post({
        message: `Could not ${what} run: ${(error as Error).message}`,
        severity: 'error',
      });
    } finally {
      setBusy(false);
    }
  };

  return {
    busy,
    canRetry:
      manage.allowed && (run.status === 'failed' || run.status === 'cancelled'),
    canCancel:
      manage.allowed && (run.status === 'pending' || run.status === 'running'),
    canDecide: approve.allowed && Boolean(run.pendingApproval),
    approve: (comment: string) =>
      act('approved', () => api.decideApproval(run.id, 'approve', comment)),
    reject: (comment: string) =>
      act('rejected', () => api.decideApproval(run.id, 'reject', comment)),
    retry: (comment: string) =>
      act('retried', () => api.retryRun(run.id, comment)),
    cancel: (comment: string) =>
      act('cancelled', () => api.cancelRun(run.id, comment)),
  };
}
