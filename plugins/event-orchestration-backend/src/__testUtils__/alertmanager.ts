/**
 * Alertmanager webhook payloads (version 4) shaped as Alertmanager documents and
 * sends them: one group, one entry per alert.
 */
export function alertmanagerPayload(
  alerts: Array<{
    labels: Record<string, string>;
    status?: 'firing' | 'resolved';
    fingerprint: string;
    startsAt?: string;
    annotations?: Record<string, string>;
  }>,
) {
  return {
    version: '4',
    groupKey: '{}:{alertname="ArgoCdAppUnhealthy"}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'backstage',
    groupLabels: { alertname: 'ArgoCdAppUnhealthy' },
    commonLabels: { alertname: 'ArgoCdAppUnhealthy' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.monitoring:9093',
    alerts: alerts.map(a => ({
      status: a.status ?? 'firing',
      labels: a.labels,
      annotations: a.annotations ?? {},
      startsAt: a.startsAt ?? '2026-11-23T08:00:00.000Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.monitoring:9090/graph?g0.expr=up',
      fingerprint: a.fingerprint,
    })),
  };
}
