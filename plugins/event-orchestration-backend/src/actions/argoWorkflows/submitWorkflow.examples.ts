import { OrchestrationActionExample } from '@edo/plugin-event-orchestration-node';

export const examples: OrchestrationActionExample[] = [
  {
    description:
      'Runs a WorkflowTemplate with parameters and waits for it; a failed workflow fails the step.',
    example: `
- id: smoke-test
  action: argo-workflows:submit
  input:
    namespace: argo
    workflowTemplate: smoke-test
    parameters:
      app: my-awesome-app
      tag: v1.2.3
    wait: true
`,
  },
  {
    description: 'Submits an inline workflow without waiting.',
    example: `
- id: cleanup
  action: argo-workflows:submit
  input:
    cluster: prod
    namespace: argo
    namePrefix: cleanup
    labels:
      app: my-awesome-app
    spec:
      entrypoint: main
      templates:
        - name: main
          container:
            image: alpine:3.20
            command: [sh, -c, 'echo cleaning up']
`,
  },
];
