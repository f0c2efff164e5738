import { createHash } from 'node:crypto';
import { z } from 'zod';
import { OrchestrationEvent } from '@edo/plugin-event-orchestration-common';

const stringMap = z.record(z.string());

/** One alert of an Alertmanager webhook (payload version 4). */
const alertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: stringMap,
  annotations: stringMap.default({}),
  startsAt: z.string().datetime({ offset: true }),
  endsAt: z.string().default('0001-01-01T00:00:00Z'),
  generatorURL: z.string().default(''),
  fingerprint: z.string().min(1),
});

/**
 * The Alertmanager webhook body, as documented for `webhook_config` receivers.
 * Group-level fields are optional in practice (older senders omit some), but
 * `version` and `alerts` are what make a body an Alertmanager notification.
 */
export const alertmanagerPayloadSchema = z.object({
  version: z.literal('4'),
  groupKey: z.string().default(''),
  truncatedAlerts: z.number().int().nonnegative().optional(),
  status: z.enum(['firing', 'resolved']).optional(),
  receiver: z.string().default(''),
  groupLabels: stringMap.optional(),
  commonLabels: stringMap.optional(),
  commonAnnotations: stringMap.optional(),
  externalURL: z.string().default(''),
  alerts: z.array(alertSchema).min(1, 'alerts must hold at least one alert'),
});

/** The default labels that name the thing an alert concerns, first present wins. */
export const DEFAULT_SUBJECT_LABELS = ['app', 'service', 'application', 'name'];

/**
 * Turns one Alertmanager notification into one event per alert.
 *
 * The event id is derived from source + fingerprint + startsAt + status, so
 * Alertmanager's repeated notifications of the same alert (every
 * `repeat_interval`, or after a failed delivery) carry the same id and are
 * dropped as duplicates by the bus, while a sender of another source cannot
 * claim, and so suppress, the id of this source's alert.
 */
export function alertmanagerToEvents(
  payload: z.output<typeof alertmanagerPayloadSchema>,
  options: { sourceName: string; subjectLabels?: string[] },
): OrchestrationEvent[] {
  const subjectLabels = options.subjectLabels ?? DEFAULT_SUBJECT_LABELS;
  return payload.alerts.map(alert => {
    const digest = createHash('sha256')
      .update(
        `${options.sourceName}\n${alert.fingerprint}\n${alert.startsAt}\n${alert.status}`,
      )
      .digest('hex')
      .slice(0, 40);
    const subject = subjectLabels
      .map(label => alert.labels[label])
      .find(value => typeof value === 'string' && value !== '');
    const resolvedAt =
      alert.status === 'resolved' && !alert.endsAt.startsWith('0001-')
        ? alert.endsAt
        : undefined;
    return {
      specversion: '1.0',
      id: `alertmanager-${digest}`,
      source: `/webhooks/${options.sourceName}`,
      type: 'alertmanager.alert',
      ...(subject ? { subject } : {}),
      time: new Date(resolvedAt ?? alert.startsAt).toISOString(),
      datacontenttype: 'application/json',
      data: {
        status: alert.status,
        labels: alert.labels,
        annotations: alert.annotations,
        startsAt: alert.startsAt,
        endsAt: alert.endsAt,
        fingerprint: alert.fingerprint,
        generatorURL: alert.generatorURL,
        receiver: payload.receiver,
        groupKey: payload.groupKey,
        externalURL: payload.externalURL,
      },
      origin: {
        kind: 'webhook',
        source: options.sourceName,
        sourceType: 'alertmanager',
      },
    };
  });
}
