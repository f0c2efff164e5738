import { StoredEvent } from '@edo/plugin-event-orchestration-common';

/** "3.2 s", "1 min 5 s", or an em dash when the run has not started or ended. */
export function formatDuration(start?: string, end?: string): string {
  if (!start || !end) return '—';
  const ms = Date.parse(end) - Date.parse(start);
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** A local date and time, short. */
export function formatTime(iso?: string): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, {
    dateStyle: 'medium',
    timeStyle: 'medium',
  });
}

/** One line that says what an event is about. */
export function summarizeEvent(stored: StoredEvent): string {
  const { event } = stored;
  const data = (event.data ?? {}) as Record<string, any>;
  if (event.type === 'alertmanager.alert') {
    const name = data.labels?.alertname ?? 'alert';
    const summary = data.annotations?.summary ?? data.annotations?.description;
    return `${name} ${data.status ?? ''}${
      summary ? ` — ${summary}` : ''
    }`.trim();
  }
  if (event.type === 'orchestration.run.finished') {
    return `run of ${data.sensor} ${data.status}`;
  }
  return event.subject ?? event.id;
}

/** "1 of 2 succeeded; 2 onFailure ran": main steps, then the failure handlers that ran. */
export function summarizeSteps(
  steps: Array<{ status: string; phase?: string }>,
): string {
  const main = steps.filter(s => s.phase !== 'onFailure');
  const succeeded = main.filter(s => s.status === 'succeeded').length;
  const handlers = steps.filter(
    s => s.phase === 'onFailure' && ['succeeded', 'failed'].includes(s.status),
  ).length;
  return `${succeeded} of ${main.length} succeeded${
    handlers ? `; ${handlers} onFailure ran` : ''
  }`;
}
