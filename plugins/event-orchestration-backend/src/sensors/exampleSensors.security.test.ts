import fs from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { validateSensor } from './loadSensors';
import {
  evaluateDataFilters,
  evaluateDependencyFilters,
} from './evaluateFilters';
import { renderTemplate } from '../shared/templating/renderTemplate';
import { createGitopsActions } from '../actions/gitops/gitopsActions';
import { manifestText } from '../actions/gitops/editManifests';

// The example sensors of the repository (sensors/*.yaml) against the forged
// values of issue 18, finding 2: a rejected verdict before any run, and the
// committed manifests written through the YAML document.
const repoRoot = path.resolve(__dirname, '../../../..');
const sensor = (name: string) => {
  const checked = validateSensor(
    parse(
      fs.readFileSync(path.join(repoRoot, 'sensors', `${name}.yaml`), 'utf8'),
    ),
  );
  if (!checked.success) throw new Error(JSON.stringify(checked.issues));
  return checked.sensor;
};

const provisioning = {
  app: 'payments',
  environment: 'prod',
  owner: 'group:default/payments',
  repository: { owner: 'acme', repo: 'payments' },
  cpu: '2',
  memory: '4Gi',
  replicas: 2,
};

describe('example sensors with values from forged events', () => {
  it('manual-remediation rejects application ".." (a path, not a name) before any run', () => {
    const filters = sensor('manual-remediation').dependencies[0].filters!.data!;
    for (const application of ['..', '../apps', 'a/b', 'A']) {
      const verdict = evaluateDataFilters(filters, {
        action: 'rollback',
        application,
        reason: 'incident 42',
      });
      expect(verdict).toMatchObject({
        matched: false,
        reason: expect.stringContaining('application'),
      });
    }
    expect(
      evaluateDataFilters(filters, {
        action: 'rollback',
        application: 'my-awesome-app',
      }),
    ).toEqual({ matched: true });
  });

  it('app-provisioning rejects replicas "1\\nkind: Secret" before any run', () => {
    const filters = sensor('app-provisioning').dependencies[0].filters!.data!;
    for (const replicas of ['1\nkind: Secret', 0, 11, 'many']) {
      expect(
        evaluateDataFilters(filters, { ...provisioning, replicas }),
      ).toMatchObject({
        matched: false,
        reason: expect.stringContaining('replicas'),
      });
    }
    expect(evaluateDataFilters(filters, provisioning)).toEqual({
      matched: true,
    });
  });

  it('app-provisioning only creates its Argo CD Application, marked with the requested owner', () => {
    const step = sensor('app-provisioning').workflow.steps.find(
      s => s.id === 'argocd-application',
    )!;
    const input = renderTemplate(step.input, {
      event: { data: provisioning, actor: 'user:default/alice' },
    }) as any;
    expect(input.ifExists).toBe('refuse');
    expect(input.manifests.metadata.annotations).toEqual({
      'event-orchestration.io/owner': 'group:default/payments',
    });
  });

  it('app-provisioning commits its manifests through the YAML document, so a value stays a value', () => {
    const step = sensor('app-provisioning').workflow.steps.find(
      s => s.id === 'repository',
    )!;
    // Even past the filter (a sensor without it), the text cannot become YAML lines.
    const forged = { ...provisioning, replicas: '1\nkind: Secret' };
    const input = renderTemplate(step.input, {
      event: { data: forged, actor: 'user:default/mallory' },
    }) as { files: Array<{ path: string; manifest?: any; content?: string }> };
    const action = createGitopsActions({ name: 'n', email: 'e@x' })[3];
    expect(action.schema.input.safeParse(input).success).toBe(true);
    const deployment = input.files.find(
      f => f.path === 'deploy/deployment.yaml',
    )!;
    const text = manifestText(deployment.manifest);
    expect(parseAllDocuments(text)).toHaveLength(1);
    expect(parse(text).spec.replicas).toBe('1\nkind: Secret');
    expect(parse(text).kind).toBe('Deployment');
    // And with the value the portal form sends, the manifest is what it was as text.
    const real = renderTemplate(step.input, {
      event: { data: provisioning, actor: 'user:default/alice' },
    }) as typeof input;
    const manifest = parse(
      manifestText(
        real.files.find(f => f.path === 'deploy/deployment.yaml')!.manifest,
      ),
    );
    expect(manifest).toMatchObject({
      metadata: { name: 'payments' },
      spec: {
        replicas: 2,
        template: {
          spec: { containers: [{ image: 'ghcr.io/acme/payments:latest' }] },
        },
      },
    });
    expect(
      parse(
        manifestText(
          real.files.find(f => f.path === 'catalog-info.yaml')!.manifest,
        ),
      ),
    ).toMatchObject({
      metadata: {
        name: 'payments',
        annotations: { 'backstage.io/kubernetes-namespace': 'payments-prod' },
      },
      spec: { owner: 'group:default/payments' },
    });
  });

  // Issue 18, findings 1 and 3: POST /events checks the publisher's permission
  // on the entities the event concerns, so the steps must act on that entity,
  // not on a data field the publisher chose freely.
  it('manual-remediation acts on the entity the request concerns, not on its application field', () => {
    const remediation = sensor('manual-remediation');
    const bobsApp = {
      metadata: {
        name: 'bobs-app',
        annotations: {
          'argocd/app-name': 'bobs-app',
          'backstage.io/kubernetes-namespace': 'bob',
        },
      },
    };
    const event = {
      type: 'portal.remediation.requested',
      entityref: 'component:default/bobs-app',
      actor: 'user:default/bob',
      data: {
        action: 'rollback',
        application: 'payments',
        replicas: 2,
        reason: 'mine now',
      },
    };
    const inputs = remediation.workflow.steps.map(step =>
      JSON.stringify(renderTemplate(step.input, { event, entity: bobsApp })),
    );
    expect(inputs.join('\n')).not.toContain('payments');
    const rollback = remediation.workflow.steps.find(s => s.id === 'rollback')!;
    expect(
      renderTemplate(rollback.input, { event, entity: bobsApp }),
    ).toMatchObject({ path: 'apps/bobs-app' });
  });

  it('manual-remediation does not fire on a request about no entity', () => {
    const [dependency] = sensor('manual-remediation').dependencies;
    const about = (entityref?: string) =>
      evaluateDependencyFilters(dependency.filters!, 'and', {
        specversion: '1.0',
        id: 'e1',
        source: '/events',
        type: 'portal.remediation.requested',
        time: new Date().toISOString(),
        data: { action: 'sync', application: 'payments' },
        ...(entityref ? { entityref } : {}),
      } as any);
    expect(about()).toMatchObject({ matched: false });
    expect(about('component:default/payments')).toMatchObject({
      matched: true,
    });
  });

  it('deploy-new-image from the portal deploys only the component the request is about', () => {
    const [dependency] = sensor('deploy-new-image').dependencies;
    const pushed = (origin: object, subject?: string) =>
      evaluateDependencyFilters(dependency.filters!, 'and', {
        specversion: '1.0',
        id: 'e1',
        source: '/events',
        type: 'ci.image.pushed',
        time: new Date().toISOString(),
        data: { image: 'ledger', tag: 'v6.6.6' },
        origin,
        ...(subject ? { subject } : {}),
      } as any);
    const portal = { kind: 'portal', actor: 'user:default/bob' };
    expect(pushed(portal)).toMatchObject({ matched: false });
    expect(pushed(portal, 'bobs-thing')).toMatchObject({ matched: false });
    expect(pushed(portal, 'ledger')).toMatchObject({ matched: true });
    // CI's webhook names the image it built.
    expect(
      pushed({ kind: 'webhook', source: 'ci', sourceType: 'generic' }),
    ).toMatchObject({ matched: true });
  });

  it("app-provisioning writes only into the application's own repository, for a team the requester is in", () => {
    const [dependency] = sensor('app-provisioning').dependencies;
    const request = (data: object, ownership: string[]) =>
      evaluateDependencyFilters(dependency.filters!, 'and', {
        specversion: '1.0',
        id: 'e1',
        source: '/events',
        type: 'portal.provisioning.requested',
        time: new Date().toISOString(),
        data: { ...provisioning, ...data },
        origin: { kind: 'portal', actor: 'user:default/bob', ownership },
      } as any);
    const bobs = ['user:default/bob', 'group:default/payments'];
    expect(request({}, bobs)).toMatchObject({ matched: true });
    // Another team's repository, under a new application name.
    expect(
      request(
        { app: 'new-thing', repository: { owner: 'acme', repo: 'ledger' } },
        bobs,
      ),
    ).toMatchObject({ matched: false });
    // In the name of a team Bob is not in.
    expect(request({}, ['user:default/bob'])).toMatchObject({
      matched: false,
    });
  });
});
