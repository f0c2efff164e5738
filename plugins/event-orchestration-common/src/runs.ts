/**
 * Lifecycle of a workflow run. `waiting`: parked at an approval:wait step until
 * someone decides or the request runs out; it holds no run slot meanwhile.
 * @public
 */
export type RunStatus =
  | 'pending'
  | 'running'
  | 'waiting'
  | 'succeeded'
  | 'failed'
  | 'cancelled';

/** Lifecycle of one step of a run. @public */
export type StepStatus = RunStatus | 'skipped';

/** Run states after which nothing changes any more. @public */
export const TERMINAL_RUN_STATUSES: ReadonlyArray<RunStatus> = [
  'succeeded',
  'failed',
  'cancelled',
];

/** True when a run in this status will not change any more. @public */
export function isTerminalRunStatus(status: RunStatus): boolean {
  return TERMINAL_RUN_STATUSES.includes(status);
}
