import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  DeadLetter,
  deadLetterRedrivePermission,
} from '@edo/plugin-event-orchestration-common';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { eventOrchestrationApiRef } from '../api';
import { backendErrorMessage } from './backendErrorMessage';

/**
 * The events the bus's subscribers gave up on (those the user may read),
 * whether the user may re-drive them, and the re-drive itself: it reports its outcome as an alert and never
 * throws.
 */
export function useDeadLetters() {
  const api = useApi(eventOrchestrationApiRef);
  const alertApi = useApi(alertApiRef);
  const redrivePermission = usePermission({
    permission: deadLetterRedrivePermission,
  });
  const permitted = {
    loading: redrivePermission.loading,
    allowed: redrivePermission.allowed,
    missing: redrivePermission.loading
      ? undefined
      : `Needs the permission ${deadLetterRedrivePermission.name}`,
  };
  const { value, loading, error, retry } = useAsyncRetry(
    () => api.listDeadLetters(),
    [api],
  );

  const redrive = async (deadLetter: DeadLetter, comment: string) => {
    try {
      await api.redriveDeadLetter(
        deadLetter.subscriber,
        deadLetter.eventId,
        comment || undefined,
      );
      alertApi.post({
        message: `Event ${deadLetter.eventId} re-driven to ${deadLetter.subscriber}`,
        severity: 'success',
        display: 'transient',
      });
    } catch (e) {
      alertApi.post({
        message: `Could not re-drive event ${
          deadLetter.eventId
        }: ${backendErrorMessage(e)}`,
        severity: 'error',
      });
    }
  };

  return {
    deadLetters: value?.items,
    loading,
    error,
    refresh: retry,
    /** Whether the user may re-drive, for the Re-drive buttons. */
    permitted,
    redrive,
  };
}
