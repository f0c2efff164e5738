/** `GET /sensors` of the example app: one loaded sensor, one that failed to load. */
export const sensors = {
  items: [
    {
      name: 'slo-remediation',
      description: 'Sync an Argo CD application whose health SLO fires',
      owner: 'group:default/platform-team',
      source: '../../sensors/slo-remediation.yaml',
      spec: {
        dependencies: [{ name: 'unhealthy', eventType: 'alertmanager.alert' }],
      },
      counters: { evaluated: 2, matched: 1, runsStarted: 1 },
      lastMatchAt: '2026-11-23T08:01:02.130Z',
    },
  ],
  errors: [
    {
      source: '../../sensors/broken.yaml',
      sensor: 'broken',
      issues: [
        {
          path: 'dependencies[0].filters.data[0].in',
          message: 'Expected array, received string',
        },
      ],
    },
  ],
};
/** `GET /health` with a subscriber that has dead letters. */
export const health = {
  status: 'degraded',
  bus: {
    type: 'embedded',
    connected: true,
    consumers: [
      { name: 'sensor-engine', pending: 4, ackPending: 1, deadLettered: 2 },
    ],
  },
  sensors: { loaded: 1, failed: 1 },
  linking: { catalogUnreachable: 2, unknownSubject: 1 },
};

/** GET /sensors/slo-remediation/verdicts: the warning alert it did not match. */
export const sensorVerdicts = {
  items: [
    {
      eventId: 'ev-warning',
      eventType: 'alertmanager.alert',
      subject: 'my-awesome-app',
      status: 'not-matched',
      reason:
        'labels.severity was `warning`, expected one of `critical`, `page`',
      evaluatedAt: '2026-11-23T10:00:01.000Z',
    },
  ],
};
