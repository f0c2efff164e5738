import { useEffect, useRef } from 'react';
import { useSignal } from '@backstage/plugin-signals-react';
import {
  EVENTS_SIGNAL_CHANNEL,
  RUNS_SIGNAL_CHANNEL,
} from '@edo/plugin-event-orchestration-common';

/** What a view refreshes on. */
export interface LiveRefreshOptions {
  /** Only signals naming this entity refresh; without it, every signal does. */
  entityRef?: string;
  /** Without Backstage signals, refresh this often; without it, do not poll. */
  pollIntervalMs?: number;
}

/** True when a run or event signal names the entity (signals carry lower-case refs). */
function concernsEntity(signal: unknown, entityRef: string): boolean {
  const entityRefs = (signal as { entityRefs?: unknown })?.entityRefs;
  return (
    Array.isArray(entityRefs) &&
    entityRefs.includes(entityRef.toLocaleLowerCase('en-US'))
  );
}

/**
 * Calls `refresh` once per signal message that `concerns` accepts. `useSignal`
 * keeps returning its last message, and `retry` of react-use's async hooks
 * changes identity after every load; an effect depending on both refetched in
 * a loop for as long as the last message concerned the view. Here only a new
 * message triggers, and the latest callbacks are read through a ref.
 */
function useRefreshOnSignal(
  signal: unknown,
  refresh: () => void,
  concerns: (signal: unknown) => boolean,
) {
  const latest = useRef({ refresh, concerns });
  latest.current = { refresh, concerns };
  useEffect(() => {
    if (signal && latest.current.concerns(signal)) latest.current.refresh();
  }, [signal]);
}

/**
 * Keeps a view current: calls `refresh` when the backend signals a run status
 * change or an evaluated or newly linked event (optionally only those about
 * one entity), and polls instead when Backstage signals are not installed.
 * `isLive` tells whether updates arrive through signals.
 */
export function useLiveRefresh(
  refresh: () => void,
  options: LiveRefreshOptions = {},
): { isLive: boolean } {
  const { entityRef, pollIntervalMs } = options;
  const { lastSignal: runSignal, isSignalsAvailable } =
    useSignal(RUNS_SIGNAL_CHANNEL);
  const { lastSignal: eventSignal } = useSignal(EVENTS_SIGNAL_CHANNEL);
  const concerns = (signal: unknown) =>
    entityRef === undefined || concernsEntity(signal, entityRef);
  useRefreshOnSignal(runSignal, refresh, concerns);
  useRefreshOnSignal(eventSignal, refresh, concerns);

  useEffect(() => {
    if (isSignalsAvailable || !pollIntervalMs) return undefined;
    const timer = setInterval(refresh, pollIntervalMs);
    return () => clearInterval(timer);
  }, [isSignalsAvailable, refresh, pollIntervalMs]);

  return { isLive: isSignalsAvailable };
}
