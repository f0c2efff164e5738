import { Meter, metrics } from '@opentelemetry/api';

/**
 * The run engine's OpenTelemetry instruments. With no MeterProvider registered
 * (Backstage's instrumentation file registers one, see docs) they cost nothing.
 *
 * - `event_orchestration.runs` (counter): runs that reached a final status, by
 *   `sensor` and `status` (succeeded, failed, cancelled).
 * - `event_orchestration.step.duration` (histogram, seconds): one value per step
 *   execution, by `action` and `status` (succeeded, failed).
 * - `event_orchestration.action.errors` (counter): failed attempts, by `action`
 *   (a step retried three times counts three).
 */
export class RunMetrics {
  private readonly runs;
  private readonly stepDuration;
  private readonly actionErrors;

  constructor(
    meter: Meter = metrics.getMeter('@edo/plugin-event-orchestration-backend'),
  ) {
    this.runs = meter.createCounter('event_orchestration.runs', {
      description: 'Runs that reached a final status',
    });
    this.stepDuration = meter.createHistogram(
      'event_orchestration.step.duration',
      {
        description: 'Duration of step executions, all attempts included',
        unit: 's',
      },
    );
    this.actionErrors = meter.createCounter(
      'event_orchestration.action.errors',
      {
        description: 'Failed action attempts',
      },
    );
  }

  runFinished(sensor: string, status: 'succeeded' | 'failed' | 'cancelled') {
    this.runs.add(1, { sensor, status });
  }

  stepFinished(
    action: string,
    status: 'succeeded' | 'failed',
    seconds: number,
  ) {
    this.stepDuration.record(seconds, { action, status });
  }

  actionFailed(action: string) {
    this.actionErrors.add(1, { action });
  }
}
