import { alertmanagerPayload } from '../__testUtils__/alertmanager';
import {
  alertmanagerPayloadSchema,
  alertmanagerToEvents,
} from './alertmanager';

const payload = alertmanagerPayloadSchema.parse(
  alertmanagerPayload([
    {
      labels: {
        alertname: 'ArgoCdAppUnhealthy',
        app: 'my-awesome-app',
        severity: 'critical',
      },
      annotations: { summary: 'Application is degraded' },
      fingerprint: 'c6a5f3b1d2e4f607',
    },
    {
      labels: { alertname: 'HighLatency', service: 'checkout' },
      status: 'resolved',
      fingerprint: '0123456789abcdef',
    },
  ]),
);

describe('alertmanagerToEvents', () => {
  it('makes one CloudEvent per alert with the group fields in data', () => {
    const events = alertmanagerToEvents(payload, {
      sourceName: 'alertmanager',
    });
    expect(events).toHaveLength(2);
    expect(events[0]).toEqual({
      specversion: '1.0',
      id: expect.stringMatching(/^alertmanager-[0-9a-f]{40}$/),
      source: '/webhooks/alertmanager',
      type: 'alertmanager.alert',
      subject: 'my-awesome-app',
      time: '2026-11-23T08:00:00.000Z',
      datacontenttype: 'application/json',
      data: {
        status: 'firing',
        labels: {
          alertname: 'ArgoCdAppUnhealthy',
          app: 'my-awesome-app',
          severity: 'critical',
        },
        annotations: { summary: 'Application is degraded' },
        startsAt: '2026-11-23T08:00:00.000Z',
        endsAt: '0001-01-01T00:00:00Z',
        fingerprint: 'c6a5f3b1d2e4f607',
        generatorURL: 'http://prometheus.monitoring:9090/graph?g0.expr=up',
        receiver: 'backstage',
        groupKey: '{}:{alertname="ArgoCdAppUnhealthy"}',
        externalURL: 'http://alertmanager.monitoring:9093',
      },
      origin: {
        kind: 'webhook',
        source: 'alertmanager',
        sourceType: 'alertmanager',
      },
    });
    expect(events[1].subject).toBe('checkout');
  });

  it('gives a re-sent alert the same id and a changed status a new one', () => {
    const first = alertmanagerToEvents(payload, { sourceName: 'alertmanager' });
    const again = alertmanagerToEvents(payload, { sourceName: 'alertmanager' });
    expect(again.map(e => e.id)).toEqual(first.map(e => e.id));

    const resolved = alertmanagerPayloadSchema.parse(
      alertmanagerPayload([
        {
          labels: { app: 'my-awesome-app' },
          status: 'resolved',
          fingerprint: 'c6a5f3b1d2e4f607',
        },
      ]),
    );
    const [resolvedEvent] = alertmanagerToEvents(resolved, {
      sourceName: 'alertmanager',
    });
    expect(resolvedEvent.id).not.toBe(first[0].id);
  });

  it('gives the same alert from another source another id, so one sender cannot pre-empt another', () => {
    const prod = alertmanagerToEvents(payload, { sourceName: 'prod' });
    const staging = alertmanagerToEvents(payload, { sourceName: 'staging' });
    expect(staging[0].id).not.toBe(prod[0].id);
    expect(staging[1].id).not.toBe(prod[1].id);
  });

  it('takes the subject from the configured labels in order', () => {
    const events = alertmanagerToEvents(payload, {
      sourceName: 'am',
      subjectLabels: ['alertname'],
    });
    expect(events.map(e => e.subject)).toEqual([
      'ArgoCdAppUnhealthy',
      'HighLatency',
    ]);
  });

  it('rejects bodies that are not version 4 notifications', () => {
    expect(
      alertmanagerPayloadSchema.safeParse({ version: '3', alerts: [] }).success,
    ).toBe(false);
    expect(
      alertmanagerPayloadSchema.safeParse({ ...alertmanagerPayload([]) })
        .success,
    ).toBe(false);
  });
});
