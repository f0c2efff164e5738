/**
 * Waits `ms`, or less when `signal` aborts: then it resolves early rather
 * than rejecting, so a loop waiting between attempts notices the abort itself.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>(resolve => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
