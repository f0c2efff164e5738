/**
 * The wait before redelivering after the `attempt`-th failed delivery (1-based):
 * the configured delays in turn, the last one repeating. Both buses use it so
 * their redelivery schedules stay the same.
 */
export function redeliveryDelay(backoffMs: number[], attempt: number): number {
  return backoffMs[Math.min(attempt - 1, backoffMs.length - 1)];
}
