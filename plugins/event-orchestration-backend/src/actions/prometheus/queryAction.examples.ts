import { OrchestrationActionExample } from '@edo/plugin-event-orchestration-node';

export const examples: OrchestrationActionExample[] = [
  {
    description:
      "Verifies that the application's error rate is back under its SLO (1%) after a fix.",
    example: `
- id: verify-error-rate
  action: prometheus:query
  input:
    query: sum(rate(http_requests_total{app="my-awesome-app",code=~"5.."}[5m])) / sum(rate(http_requests_total{app="my-awesome-app"}[5m]))
    expect:
      lt: 0.01
  retry: { attempts: 5, backoff: 1m }
`,
  },
  {
    description:
      'Reads how many pods are up on a named Prometheus, without an assertion.',
    example: `
- id: up
  action: prometheus:query
  input:
    instance: prod
    query: count(up{job="my-awesome-app"} == 1)
`,
  },
];
