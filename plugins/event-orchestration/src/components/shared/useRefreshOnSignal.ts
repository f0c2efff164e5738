import { useEffect, useRef } from 'react';

/**
 * Calls `refresh` once per signal message that `concerns` accepts. `useSignal`
 * keeps returning its last message, and `retry` of react-use's async hooks
 * changes identity after every load; an effect depending on both refetched in
 * a loop for as long as the last message concerned the page. Here only a new
 * message triggers, and the latest callbacks are read through a ref.
 */
export function useRefreshOnSignal(
  signal: unknown,
  refresh: () => void,
  concerns: (signal: unknown) => boolean = () => true,
) {
  const latest = useRef({ refresh, concerns });
  latest.current = { refresh, concerns };
  useEffect(() => {
    if (signal && latest.current.concerns(signal)) latest.current.refresh();
  }, [signal]);
}
