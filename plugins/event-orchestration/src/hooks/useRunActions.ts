import { useState } from 'react';
import {
  alertApiRef,
  identityApiRef,
  useApi,
} from '@backstage/core-plugin-api';
import useAsync from 'react-use/esm/useAsync';
import {
  entityRunApprovePermission,
  entityRunManagePermission,
  Run,
  runApprovePermission,
  runManagePermission,
} from '@edo/plugin-event-orchestration-common';
import { eventOrchestrationApiRef } from '../api';
import {
  EntityScopedPermission,
  useEntityScopedPermission,
} from './useEntityScopedPermission';

/**
 * The approval's approver list, when the step named one: the user (or one of
 * their groups) must be on it, as the backend checks.
 */
function useApproverCheck(
  run: Run,
  permission: EntityScopedPermission,
): EntityScopedPermission {
  const identityApi = useApi(identityApiRef);
  const approvers = run.pendingApproval?.approvers;
  const identity = useAsync(
    async () => (approvers ? identityApi.getBackstageIdentity() : undefined),
    [identityApi, approvers?.join(',')],
  );
  if (!approvers?.length || !permission.allowed) return permission;
  if (identity.loading) return { loading: true, allowed: false };
  const mine = identity.value?.ownershipEntityRefs ?? [];
  if (approvers.some(ref => mine.includes(ref))) return permission;
  return {
    loading: false,
    allowed: false,
    // Worded as the backend words its refusal (runs/approvalDecision.ts).
    missing: `Only ${approvers
      .map(ref => (ref.startsWith('group:') ? `members of ${ref}` : ref))
      .join(' or ')} may decide this approval`,
  };
}

/**
 * What the run's state offers (retry, cancel, decide), whether the signed-in
 * user may do it — the global permission and the entity permission on every
 * entity the run concerns, as the backend checks them — and the calls that do
 * it: each reports its outcome as an alert and calls `onChanged` when it
 * worked.
 */
export function useRunActions(run: Run, onChanged: () => void) {
  const api = useApi(eventOrchestrationApiRef);
  const alertApi = useApi(alertApiRef);
  const manage = useEntityScopedPermission({
    global: runManagePermission,
    entity: entityRunManagePermission,
    entityRefs: run.entityRefs,
  });
  const approve = useApproverCheck(
    run,
    useEntityScopedPermission({
      global: runApprovePermission,
      entity: entityRunApprovePermission,
      entityRefs: run.entityRefs,
    }),
  );
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
    /** The run's state offers these; `mayManage` and `mayDecide` say whether the user may. */
    offersRetry: run.status === 'failed' || run.status === 'cancelled',
    // A run parked at an approval (waiting) can be cancelled too.
    offersCancel: ['pending', 'running', 'waiting'].includes(run.status),
    offersDecision: Boolean(run.pendingApproval),
    /** Retry and cancel: the permission answer, with what is missing. */
    mayManage: manage,
    /** Approve and reject: the permission answer, with what is missing. */
    mayDecide: approve,
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
