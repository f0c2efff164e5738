import { ConfigReader } from '@backstage/config';
import { backstageEventToEvent } from './backstageEvents';
import { coreEventToEvent, resourceChangeToEvent } from './kubernetes/toEvents';
import { natsMessageToEvent } from './natsSubjects';
import { EventOwnership, readEventOwnership } from './provenance';
import { tickEvent } from './schedules';

const configured = {
  webhooks: [
    { name: 'alertmanager', type: 'alertmanager' as const },
    { name: 'gh', type: 'github' as const },
    { name: 'ci', type: 'generic' as const, eventType: 'ci.image.pushed' },
  ],
  natsSubjects: [{ name: 'ci-images', eventType: 'ci.image.built' }],
  schedules: [
    { name: 'nightly', type: 'schedule.tick' },
    { name: 'cleanup', type: 'maintenance.due' },
  ],
  backstageEvents: [],
};

const ownership = EventOwnership.fromSources({
  ...configured,
  portalPublishableTypes: ['ci.image.pushed', 'deploy.*'],
});

const alice = { kind: 'portal' as const, actor: 'user:default/alice' };
const alertmanager = {
  kind: 'webhook' as const,
  source: 'alertmanager',
  sourceType: 'alertmanager',
};

describe('event type ownership', () => {
  it('gives the built-in prefixes to their source types and configured types to their sources', () => {
    const owners = (type: string) =>
      ownership.ownersOf(type).map(o => o.description);
    expect(owners('alertmanager.alert')).toEqual(['Alertmanager webhooks']);
    expect(owners('github.push')).toEqual(['GitHub webhooks']);
    expect(owners('chatops.command')).toEqual(['Slack webhooks']);
    expect(owners('portal.remediation.requested')).toEqual(['the portal']);
    expect(owners('orchestration.run.finished')).toEqual(['the orchestrator']);
    expect(owners('kubernetes.event')).toEqual(['Kubernetes watches']);
    expect(owners('schedule.tick')).toEqual(['schedules']);
    expect(owners('ci.image.pushed')).toEqual(["generic webhook 'ci'"]);
    expect(owners('ci.image.built')).toEqual([
      "NATS subject source 'ci-images'",
    ]);
    expect(owners('maintenance.due')).toEqual(["schedule 'cleanup'"]);
    // Listed as publishable from the portal and owned by no source.
    expect(owners('deploy.requested')).toEqual(['the portal']);
    // What runs publish with event:publish.
    expect(owners('app.deployed')).toEqual(['the orchestrator']);
  });

  it('refuses a configured source that claims another source type’s prefix, naming the key', () => {
    expect(() =>
      EventOwnership.fromSources({
        ...configured,
        webhooks: [
          {
            name: 'fake',
            type: 'generic',
            eventType: 'alertmanager.alert',
          },
        ],
        portalPublishableTypes: [],
      }),
    ).toThrow(
      "eventOrchestration.sources.webhooks[0].eventType 'alertmanager.alert' belongs to Alertmanager webhooks (alertmanager.*); choose a type outside it",
    );
    expect(() =>
      EventOwnership.fromSources({
        ...configured,
        natsSubjects: [
          { name: 'n', eventType: 'portal.remediation.requested' },
        ],
        portalPublishableTypes: [],
      }),
    ).toThrow(
      "eventOrchestration.sources.natsSubjects[0].eventType 'portal.remediation.requested' belongs to the portal",
    );
    expect(() =>
      EventOwnership.fromSources({
        ...configured,
        backstageEvents: [{ topic: 'anything', eventType: 'portal.x.y' }],
        portalPublishableTypes: [],
      }),
    ).toThrow(
      "eventOrchestration.sources.backstageEvents[0].eventType 'portal.x.y' belongs to the portal",
    );
    expect(() =>
      EventOwnership.fromSources({
        ...configured,
        webhooks: [
          { name: 'fake', type: 'generic', eventType: 'chatops.command' },
        ],
        portalPublishableTypes: [],
      }),
    ).toThrow(
      "eventOrchestration.sources.webhooks[0].eventType 'chatops.command' belongs to Slack webhooks (chatops.*); choose a type outside it",
    );
    expect(() =>
      readEventOwnership(
        new ConfigReader({
          eventOrchestration: { portal: { publishableTypes: ['Deploy'] } },
        }),
        { ...configured },
      ),
    ).toThrow(
      "eventOrchestration.portal.publishableTypes[0] 'Deploy' must be an event type such as ci.image.pushed, or a prefix such as deploy.*",
    );
  });
});

describe('what the portal may publish', () => {
  it('is portal.* and the listed types; anything else is refused naming its owner and the key', () => {
    expect(ownership.portalMayPublish('portal.remediation.requested')).toEqual({
      allowed: true,
    });
    expect(ownership.portalMayPublish('ci.image.pushed')).toEqual({
      allowed: true,
    });
    expect(ownership.portalMayPublish('deploy.requested')).toEqual({
      allowed: true,
    });
    expect(ownership.portalMayPublish('alertmanager.alert')).toEqual({
      allowed: false,
      reason:
        "Event type 'alertmanager.alert' may not be published from the portal: it belongs to Alertmanager webhooks; the portal publishes portal.* and the types eventOrchestration.portal.publishableTypes lists",
    });
    const unlisted = readEventOwnership(new ConfigReader({}), configured);
    expect(unlisted.portalMayPublish('ci.image.pushed')).toEqual({
      allowed: false,
      reason:
        "Event type 'ci.image.pushed' may not be published from the portal: it belongs to generic webhook 'ci'; the portal publishes portal.* and the types eventOrchestration.portal.publishableTypes lists",
    });
    expect(
      unlisted.portalMayPublish('orchestration.run.finished'),
    ).toMatchObject({ allowed: false });
  });
});

describe('which origins a dependency accepts', () => {
  const accepts = (
    type: string,
    origin: Parameters<EventOwnership['accepts']>[0]['origin'],
    sources?: string[],
  ) => ownership.accepts({ type, origin, sources });

  it('by default, a type only from the source that owns it', () => {
    expect(accepts('alertmanager.alert', alertmanager)).toEqual({
      accepted: true,
    });
    expect(accepts('alertmanager.alert', alice)).toEqual({
      accepted: false,
      reason:
        'came from portal user:default/alice, accepts alertmanager.alert only from Alertmanager webhooks (its owner; sources: widens this)',
    });
    // A listed type is publishable from the portal, yet still owned by its source.
    expect(accepts('ci.image.pushed', alice)).toMatchObject({
      accepted: false,
    });
    expect(
      accepts('ci.image.pushed', {
        kind: 'webhook',
        source: 'ci',
        sourceType: 'generic',
      }),
    ).toEqual({ accepted: true });
    // Another generic webhook does not own ci.image.pushed.
    expect(
      accepts('ci.image.pushed', {
        kind: 'webhook',
        source: 'other',
        sourceType: 'generic',
      }),
    ).toMatchObject({ accepted: false });
    expect(accepts('portal.remediation.requested', alice)).toEqual({
      accepted: true,
    });
    // A chat command comes from a Slack source, whichever its name, and from nowhere else.
    const chat = {
      kind: 'webhook' as const,
      source: 'mattermost',
      sourceType: 'slack',
      actor: 'user:default/alice',
    };
    expect(accepts('chatops.command', chat)).toEqual({ accepted: true });
    expect(accepts('chatops.command', alice)).toEqual({
      accepted: false,
      reason:
        'came from portal user:default/alice, accepts chatops.command only from Slack webhooks (its owner; sources: widens this)',
    });
    expect(
      accepts('chatops.command', {
        kind: 'webhook',
        source: 'ci',
        sourceType: 'generic',
      }),
    ).toMatchObject({ accepted: false });
    expect(
      accepts('orchestration.run.finished', { kind: 'orchestrator', run: 'r' }),
    ).toEqual({ accepted: true });
    expect(accepts('app.deployed', { kind: 'orchestrator', run: 'r' })).toEqual(
      { accepted: true },
    );
  });

  it('never accepts an event without an origin', () => {
    expect(accepts('alertmanager.alert', undefined)).toEqual({
      accepted: false,
      reason:
        'came from an unknown origin (the event carries none), accepts alertmanager.alert only from Alertmanager webhooks (its owner; sources: widens this)',
    });
    expect(accepts('alertmanager.alert', undefined, ['portal'])).toMatchObject({
      accepted: false,
    });
  });

  it('with sources:, from the source types and source names listed, and only those', () => {
    // Widens: the portal as well as the owner.
    expect(accepts('ci.image.pushed', alice, ['ci', 'portal'])).toEqual({
      accepted: true,
    });
    expect(
      accepts('ci.image.pushed', { kind: 'nats', source: 'ci-images' }, [
        'ci',
        'portal',
      ]),
    ).toEqual({
      accepted: false,
      reason: "came from NATS subject source 'ci-images', accepts ci or portal",
    });
    // By source name: another NATS source is not this one.
    expect(
      accepts('ci.image.pushed', { kind: 'nats', source: 'ci-images' }, [
        'ci-images',
      ]),
    ).toEqual({ accepted: true });
    expect(
      accepts('ci.image.pushed', { kind: 'nats', source: 'other' }, [
        'ci-images',
      ]),
    ).toMatchObject({ accepted: false });
    // Narrows: only one of two Alertmanager webhooks.
    expect(
      accepts(
        'alertmanager.alert',
        { kind: 'webhook', source: 'staging-am', sourceType: 'alertmanager' },
        ['alertmanager'],
      ),
    ).toEqual({ accepted: true });
    expect(
      accepts(
        'alertmanager.alert',
        { kind: 'webhook', source: 'staging-am', sourceType: 'alertmanager' },
        ['prod-am'],
      ),
    ).toEqual({
      accepted: false,
      reason: "came from alertmanager webhook 'staging-am', accepts prod-am",
    });
  });

  it('a dry run takes an event without origin as from the owner of its type', () => {
    expect(ownership.ownerOrigin('alertmanager.alert')).toEqual({
      kind: 'webhook',
      source: 'alertmanager',
      sourceType: 'alertmanager',
    });
    expect(ownership.ownerOrigin('ci.image.built')).toEqual({
      kind: 'nats',
      source: 'ci-images',
    });
    expect(ownership.ownerOrigin('portal.x.y')).toEqual({ kind: 'portal' });
    for (const type of ['alertmanager.alert', 'ci.image.pushed', 'a.b']) {
      expect(
        ownership.accepts({ type, origin: ownership.ownerOrigin(type) }),
      ).toEqual({ accepted: true });
    }
  });
});

describe('every source stamps its own origin', () => {
  it('NATS subjects, schedules, Kubernetes watches and Backstage events topics', () => {
    const forged = {
      origin: { kind: 'portal', actor: 'user:default/mallory' },
    };
    const nats = natsMessageToEvent(
      { name: 'ci-images', subject: 'ci.images', eventType: 'ci.image.pushed' },
      forged,
      Buffer.from(JSON.stringify(forged)),
      undefined,
    );
    expect(nats.origin).toEqual({ kind: 'nats', source: 'ci-images' });
    expect(nats.data).toEqual(forged);

    const tick = tickEvent(
      {
        name: 'nightly',
        cron: '0 0 * * *',
        timezone: 'UTC',
        type: 'schedule.tick',
        data: forged,
        catchUp: false,
      },
      Date.UTC(2026, 10, 23),
      false,
    );
    expect(tick.origin).toEqual({ kind: 'schedule', source: 'nightly' });

    const object = {
      metadata: { uid: 'u1', resourceVersion: '7', name: 'shop' },
      involvedObject: { kind: 'Pod', name: 'shop-1' },
      reason: 'BackOff',
    };
    expect(coreEventToEvent('prod', object, 'shop')?.origin).toEqual({
      kind: 'kubernetes',
      source: 'prod',
    });
    expect(resourceChangeToEvent('prod', 'MODIFIED', object)?.origin).toEqual({
      kind: 'kubernetes',
      source: 'prod',
    });

    const bridged = backstageEventToEvent(
      { topic: 'github' },
      {
        topic: 'github',
        eventPayload: { ...forged, repository: { full_name: 'acme/shop' } },
        metadata: { 'x-github-event': 'push' },
      },
    );
    expect(bridged.origin).toEqual({
      kind: 'backstage-events',
      source: 'github',
    });
    // The bridge's github topic shares github.* with GitHub webhooks.
    expect(
      EventOwnership.fromSources({
        ...configured,
        backstageEvents: [{ topic: 'github' }],
        portalPublishableTypes: [],
      }).accepts({ type: bridged.type, origin: bridged.origin }),
    ).toEqual({ accepted: true });
  });
});
