#!/usr/bin/env node
// Writes docs/actions.md from the built-in actions' zod schemas and examples
// (each action's <action>.examples.ts):
//   node scripts/generate-actions-doc.js
require('@backstage/cli/config/nodeTransform.cjs');
const fs = require('node:fs');
const path = require('node:path');
const {
  ActionRegistry,
  createBuiltinActions,
} = require('../plugins/event-orchestration-backend/src/actions');

// The actions the plugin registers, configured with stand-ins: only their
// descriptions, schemas and examples are read.
const registry = new ActionRegistry();
registry.register(
  ...createBuiltinActions({
    settings: {
      http: {},
      gitops: { author: { name: 'n', email: 'e' } },
      argocd: [],
      kubernetesClusters: [],
    },
    bus: { publish: async () => ({ duplicate: false }) },
    entities: { getEntity: async () => undefined },
    approvals: undefined,
    discovery: { getBaseUrl: async () => '' },
    auth: {},
  }),
);

function typeOf(schema) {
  if (!schema) return '';
  if (schema.enum) return schema.enum.map(v => `\`${v}\``).join(' \\| ');
  if (schema.anyOf) return schema.anyOf.map(typeOf).join(' \\| ');
  if (Array.isArray(schema.type)) return schema.type.join(' \\| ');
  return schema.type ?? 'any';
}

function table(schema) {
  const props = schema?.properties ?? {};
  const required = new Set(schema?.required ?? []);
  const rows = Object.entries(props).map(
    ([name, prop]) =>
      `| \`${name}\` | ${typeOf(prop)} | ${
        required.has(name) ? 'yes' : ''
      } | ${[
        prop.description,
        prop.default !== undefined
          ? `default \`${JSON.stringify(prop.default)}\``
          : '',
      ]
        .filter(Boolean)
        .join('; ')} |`,
  );
  if (rows.length === 0) return '_none_\n';
  return (
    [
      '| name | type | required | notes |',
      '| --- | --- | --- | --- |',
      ...rows,
    ].join('\n') + '\n'
  );
}

const parts = [
  '# Actions',
  '',
  "Generated from the actions' schemas and examples by `node scripts/generate-actions-doc.js`; the",
  'running backend lists the same, with JSON Schemas, at `GET /api/event-orchestration/actions`.',
  'Every step gets an idempotency key (`<runId>:<stepId>`), stable across retries and',
  'resumption, which the actions use so that an external effect happens once.',
  '',
  '## Timeouts',
  '',
  "Every step attempt has a timeout: the step's `timeout` (a duration such as `30s`), else the",
  "action's default (`argo-workflows:submit` 30m, `approval:wait` 7d), else the run engine's 5",
  "minutes. When it passes, the action's abort signal fires and the attempt fails with",
  "`step '<id>' timed out after <n> ms` even if the action ignores its signal: the engine stops",
  'waiting, the run slot is freed, and whatever the abandoned attempt records later is dropped.',
  "A timed-out attempt is retried like any failed one (the step's `retry`); cancelling a run ends",
  'its attempt the same way. The built-in actions pass the signal to every request they make (the',
  'Kubernetes API, discovery included; Argo CD; the catalog; the notifications backend;',
  '`http:request`; git), so the request is closed on the wire as well, and their polling waits',
  '(`approval:wait`, `argocd:sync` and `argo-workflows:submit` with `wait`) end at once. Tests:',
  '`src/runs/RunEngine.timeout.test.ts` ("fails a step whose action ignores its abort signal with a',
  'timeout error naming the step, and frees the run slot", "retries a timed-out attempt as it',
  'retries any failed one", "discards the late result of an attempt that timed out", "cancels a',
  'run whose action ignores its abort signal without waiting for the timeout"), and against',
  'loopback servers that never answer: `src/actions/kubernetes/kubernetesActions.timeout.test.ts`,',
  '`src/actions/catalog/catalogRegisterAction.timeout.test.ts`,',
  '`src/actions/notifications/notificationAction.timeout.test.ts`.',
  '',
  '## Configuration',
  '',
  '```yaml',
  'eventOrchestration:',
  '  actions:',
  '    http:',
  '      # host names http:request may call (*.x: subdomains of x); unset: any name',
  "      allowedHosts: [hooks.slack.com, '*.example.com']",
  '      # ranges it may reach although denied by default (loopback, private, link-local,',
  '      # CGNAT, multicast, reserved); metadata addresses only when named exactly (/32, /128)',
  '      allowedCidrs: [10.20.0.0/16]',
  '  argocd:',
  '    instances:                 # argocd:* (the first is the default instance)',
  '      - { name: prod, baseUrl: https://argocd.example.com, token: ${ARGOCD_TOKEN} }',
  '  gitops:',
  '    author: { name: Event Orchestration, email: event-orchestration@example.com }',
  '  kubernetes:',
  '    clusters:                  # kubernetes:* and argo-workflows:submit (the first is the default)',
  '      - { name: prod, url: https://k8s.example.com:6443, serviceAccountToken: ${K8S_TOKEN}, caData: ${K8S_CA} }',
  '```',
  '',
  "The `gitops:*` actions reach `https://<host>/<owner>/<repo>` through GitHub's REST API",
  '(`@octokit/rest`: the contents API for one file, the git data API for `gitops:revert` and `gitops:commit-files`) when',
  "`<host>` is configured under Backstage's `integrations.github` (its token and `apiBaseUrl`);",
  'every other remote goes through plain git, which needs `git` on',
  "the backend's PATH, with credentials from the remote URL or git's own configuration, and only over the",
  'transports `eventOrchestration.gitops.allowedUrlSchemes` allows (default `[https, ssh]`; `http`, `git`, `file`',
  'for file:// and local paths must be listed), and only to hosts that are not loopback, private, link-local or',
  'cloud metadata addresses unless `eventOrchestration.gitops.allowedCidrs` allows them, as for `http:request`.',
  'Paths with a `.git` segment or control characters and symbolic links in the repository',
  'are refused, and git runs with hooks, fsmonitor and symlinks off (docs/security.md).',
  '`notification:send` needs the Backstage notifications backend; it posts to it as the backend',
  "itself, as Backstage's notification service does, but with the step's abort signal (the service",
  'takes none), so a replaced `notificationService` is not used. `catalog:register` registers',
  "through the catalog's REST API (found by discovery) as the backend itself, for the same reason;",
  'the catalog must be able to read the URL (an `integrations` host, or `backend.reading.allow`).',
  '`kubernetes:*` and `argo-workflows:submit` use `@kubernetes/client-node`; without',
  "`eventOrchestration.kubernetes.clusters` they take the `config` clusters of Backstage's",
  '`kubernetes.clusterLocatorMethods`. The service account needs `get` and `patch` on',
  'what the steps touch, `create` on workflows, and server-side apply rights for',
  '`kubernetes:apply` and `kubernetes:create-namespace`. Changes are made with field',
  'manager `event-orchestration`; `kubernetes:rollout-restart` and `argo-workflows:submit`',
  "use the step's idempotency key so that a retried step does not act twice.",
  '',
];
for (const action of registry.list()) {
  parts.push(
    `## \`${action.id}\``,
    '',
    action.description,
    '',
    '**Input**',
    '',
    table(action.schema.input),
  );
  if (action.schema.output)
    parts.push('**Output**', '', table(action.schema.output));
  // GET /actions serves no examples; they are on the registered action.
  const examples = registry.get(action.id).examples ?? [];
  if (examples.length) {
    parts.push('**Examples**', '');
    for (const { description, example } of examples)
      parts.push(description, '', '```yaml', example.trim(), '```', '');
  }
}
const target = path.resolve(__dirname, '../docs/actions.md');
fs.writeFileSync(target, `${parts.join('\n').trim()}\n`);
console.log(`wrote ${path.relative(process.cwd(), target)}`);
