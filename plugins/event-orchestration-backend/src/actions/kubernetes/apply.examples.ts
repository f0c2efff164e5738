import { OrchestrationActionExample } from '@edo/plugin-event-orchestration-node';

export const examples: OrchestrationActionExample[] = [
  {
    description: 'Applies a ConfigMap given as an object (server-side apply).',
    example: `
- id: config
  action: kubernetes:apply
  input:
    namespace: team-a
    manifests:
      apiVersion: v1
      kind: ConfigMap
      metadata:
        name: my-awesome-app-flags
      data:
        new-checkout: 'false'
`,
  },
  {
    description:
      'Applies several objects given as one multi-document YAML text.',
    example: `
- id: network
  action: kubernetes:apply
  input:
    cluster: prod
    manifests: |
      apiVersion: v1
      kind: Service
      metadata:
        name: my-awesome-app
        namespace: team-a
      spec:
        selector: { app: my-awesome-app }
        ports: [{ port: 80, targetPort: 8080 }]
      ---
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata:
        name: my-awesome-app
        namespace: team-a
      spec:
        podSelector: { matchLabels: { app: my-awesome-app } }
        policyTypes: [Ingress]
`,
  },
];
