import fs from 'node:fs';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import {
  EventOrigin,
  OrchestrationEvent,
} from '@edo/plugin-event-orchestration-common';
import { parse } from 'yaml';
import {
  readBackstageEventsSources,
  readEventOwnership,
  readNatsSubjectSources,
  readSchedules,
  readWebhookSources,
} from '../sources';
import { filterEvent } from './evaluateSensor';
import { validateSensor } from './loadSensors';

// The example app (app-config.yaml, sensors/*.yaml) under the ownership rules
// of issue 18, finding 1: each example sensor still takes its events from the
// sources that deliver them, and none takes a portal user's alert.
const repoRoot = path.resolve(__dirname, '../../../..');
const config = new ConfigReader(
  parse(fs.readFileSync(path.join(repoRoot, 'app-config.yaml'), 'utf8')),
);
const ownership = readEventOwnership(config, {
  webhooks: readWebhookSources(config),
  natsSubjects: readNatsSubjectSources(config),
  schedules: readSchedules(config),
  backstageEvents: readBackstageEventsSources(config),
});
const sensor = (name: string) => {
  const checked = validateSensor(
    parse(
      fs.readFileSync(path.join(repoRoot, 'sensors', `${name}.yaml`), 'utf8'),
    ),
  );
  if (!checked.success) throw new Error(JSON.stringify(checked.issues));
  return { spec: checked.sensor, source: `${name}.yaml` };
};
const event = (
  type: string,
  origin: EventOrigin,
  data: Record<string, unknown>,
): OrchestrationEvent => ({
  specversion: '1.0',
  id: 'e',
  source: '/test',
  type,
  time: '2026-11-23T08:00:00Z',
  data,
  origin,
});
const alice: EventOrigin = { kind: 'portal', actor: 'user:default/alice' };
const alertmanagerWebhook: EventOrigin = {
  kind: 'webhook',
  source: 'alertmanager',
  sourceType: 'alertmanager',
};

describe('example sensors and app-config under event ownership', () => {
  it('the portal may publish portal.* and ci.image.pushed (for release-image), not alertmanager.alert', () => {
    expect(ownership.portalMayPublish('portal.remediation.requested')).toEqual({
      allowed: true,
    });
    expect(ownership.portalMayPublish('ci.image.pushed')).toEqual({
      allowed: true,
    });
    expect(ownership.portalMayPublish('alertmanager.alert')).toMatchObject({
      allowed: false,
    });
  });

  it('deploy-new-image takes ci.image.pushed from the ci webhook and from the portal, not from elsewhere', () => {
    const deploy = sensor('deploy-new-image');
    const image = { image: 'my-awesome-app', tag: 'v1.2.3' };
    const from = (origin: EventOrigin) =>
      filterEvent(deploy, event('ci.image.pushed', origin, image), ownership);
    expect(
      from({ kind: 'webhook', source: 'ci', sourceType: 'generic' })
        .matchedDependencies,
    ).toEqual(['image']);
    // From the portal, about the component it deploys (as release-image sends it).
    expect(
      filterEvent(
        deploy,
        {
          ...event('ci.image.pushed', alice, image),
          subject: 'my-awesome-app',
        },
        ownership,
      ).matchedDependencies,
    ).toEqual(['image']);
    expect(from({ kind: 'orchestrator', run: 'r' })).toMatchObject({
      matchedDependencies: [],
      reason:
        "dependency 'image' rejected: came from orchestrator (run r), accepts ci or portal",
    });
  });

  it('scale-on-high-cpu, slo-remediation and restart-on-crashloop take alerts from the Alertmanager webhook only', () => {
    for (const name of [
      'scale-on-high-cpu',
      'slo-remediation',
      'restart-on-crashloop',
    ]) {
      const loaded = sensor(name);
      const type = loaded.spec.dependencies[0].eventType;
      expect(type).toBe('alertmanager.alert');
      expect(
        filterEvent(loaded, event(type, alice, {}), ownership),
      ).toMatchObject({
        matchedDependencies: [],
        reason: expect.stringContaining(
          'rejected: came from portal user:default/alice, accepts alertmanager.alert only from Alertmanager webhooks',
        ),
      });
      // From the webhook, the origin check passes and the filters decide.
      expect(
        filterEvent(loaded, event(type, alertmanagerWebhook, {}), ownership)
          .reason,
      ).not.toContain('rejected: came from');
    }
  });

  it('manual-remediation and app-provisioning take their portal.* events from the portal', () => {
    for (const name of ['manual-remediation', 'app-provisioning']) {
      const loaded = sensor(name);
      const type = loaded.spec.dependencies[0].eventType;
      expect(type).toMatch(/^portal\./);
      expect(
        ownership.accepts({
          type,
          origin: alice,
          sources: loaded.spec.dependencies[0].sources,
        }),
      ).toEqual({ accepted: true });
      expect(
        ownership.accepts({ type, origin: alertmanagerWebhook }),
      ).toMatchObject({ accepted: false });
    }
  });
});
