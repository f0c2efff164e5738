/**
 * Responses recorded from the example backend after posting
 * examples/alertmanager-alert.json (ids and times kept as they were).
 */
export const recordedEvents = {
  items: [
    {
      event: {
        specversion: '1.0',
        id: 'alertmanager-120b52d238126dee49c3d76f6136559089cbf5b3',
        source: '/webhooks/alertmanager',
        type: 'alertmanager.alert',
        subject: 'my-awesome-app',
        time: '2026-11-23T08:01:00.000Z',
        datacontenttype: 'application/json',
        data: {
          status: 'firing',
          labels: {
            alertname: 'ArgoCdAppUnhealthy',
            slo: 'argocd-application-health',
            severity: 'warning',
            app: 'my-awesome-app',
          },
          annotations: {
            summary:
              'Argo CD application my-awesome-app is Progressing for 10m',
          },
          startsAt: '2026-11-23T08:01:00Z',
          endsAt: '0001-01-01T00:00:00Z',
          fingerprint: '9a8b7c6d5e4f3021',
          generatorURL:
            'http://prometheus.monitoring:9090/graph?g0.expr=argocd_app_info',
          receiver: 'backstage',
          groupKey: '{}:{alertname="ArgoCdAppUnhealthy"}',
          externalURL: 'http://alertmanager.monitoring:9093',
        },
      },
      receivedAt: '2026-11-23T08:01:02.120Z',
      entityRefs: ['component:default/my-awesome-app'],
      matchedSensors: [],
    },
    {
      event: {
        specversion: '1.0',
        id: 'alertmanager-cf9ce75bdad9646f19a034bc6d6e3692ef10c5d3',
        source: '/webhooks/alertmanager',
        type: 'alertmanager.alert',
        subject: 'my-awesome-app',
        time: '2026-11-23T08:00:00.000Z',
        datacontenttype: 'application/json',
        data: {
          status: 'firing',
          labels: {
            alertname: 'ArgoCdAppUnhealthy',
            slo: 'argocd-application-health',
            severity: 'critical',
            app: 'my-awesome-app',
            dest_namespace: 'prod-shop',
          },
          annotations: {
            summary: 'Argo CD application my-awesome-app is Degraded',
          },
          startsAt: '2026-11-23T08:00:00Z',
          endsAt: '0001-01-01T00:00:00Z',
          fingerprint: '5f1c2a3b4d6e7f80',
          generatorURL:
            'http://prometheus.monitoring:9090/graph?g0.expr=argocd_app_info',
          receiver: 'backstage',
          groupKey: '{}:{alertname="ArgoCdAppUnhealthy"}',
          externalURL: 'http://alertmanager.monitoring:9093',
        },
      },
      receivedAt: '2026-11-23T08:01:02.118Z',
      entityRefs: ['component:default/my-awesome-app'],
      matchedSensors: ['slo-remediation'],
    },
  ],
};

export const recordedRuns = {
  items: [
    {
      id: '2dea1bbb-f49c-49eb-a8d0-5efe5b27a656',
      sensor: 'slo-remediation',
      status: 'succeeded',
      triggerEventIds: [
        'alertmanager-cf9ce75bdad9646f19a034bc6d6e3692ef10c5d3',
      ],
      entityRefs: ['component:default/my-awesome-app'],
      createdAt: '2026-11-23T08:01:02.200Z',
      startedAt: '2026-11-23T08:01:02.210Z',
      finishedAt: '2026-11-23T08:01:02.640Z',
      audit: [],
      steps: [
        {
          id: 'sync',
          action: 'http:request',
          phase: 'main',
          status: 'succeeded',
          attempts: 1,
          input: {
            method: 'POST',
            url: 'http://localhost:7007/api/demo-argocd/api/v1/applications/my-awesome-app/sync',
            body: {
              prune: false,
              dryRun: false,
              reason: 'SLO argocd-application-health fired: ArgoCdAppUnhealthy',
            },
          },
          output: {
            status: 200,
            body: { status: { sync: { status: 'Synced' } } },
          },
          logs: [
            '2026-11-23T08:01:02.300Z info POST http://localhost:7007/api/demo-argocd/api/v1/applications/my-awesome-app/sync',
          ],
          startedAt: '2026-11-23T08:01:02.220Z',
          finishedAt: '2026-11-23T08:01:02.610Z',
        },
        {
          id: 'tell',
          action: 'log',
          phase: 'main',
          status: 'succeeded',
          attempts: 1,
          input: {
            message: 'Requested a sync of my-awesome-app; Argo CD answered 200',
          },
          output: {},
          logs: [
            '2026-11-23T08:01:02.630Z info Requested a sync of my-awesome-app; Argo CD answered 200',
          ],
          startedAt: '2026-11-23T08:01:02.620Z',
          finishedAt: '2026-11-23T08:01:02.630Z',
        },
      ],
    },
  ],
};

export const recordedWarningDetails = {
  ...recordedEvents.items[0],
  evaluations: [
    {
      sensor: 'slo-remediation',
      matched: false,
      status: 'not-matched',
      reason:
        "dependency 'unhealthy': data.labels.severity was `warning`, expected one of `critical`, `page`",
      evaluatedAt: '2026-11-23T08:01:02.130Z',
    },
  ],
  runs: [],
};
