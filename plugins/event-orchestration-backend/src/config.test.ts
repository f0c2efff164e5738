import { ConfigReader } from '@backstage/config';
import { readOrchestrationConfig } from './config';

const read = (eventOrchestration: object, dialect: 'sqlite' | 'postgres') =>
  readOrchestrationConfig(new ConfigReader({ eventOrchestration }), {
    dialect,
  });

describe('readOrchestrationConfig', () => {
  it('defaults the concurrency by database: one writer on SQLite, more on PostgreSQL', () => {
    expect(read({}, 'sqlite')).toMatchObject({
      sensorEngineConcurrency: 1,
      runConcurrency: 4,
      roles: { sensorEngine: true, runs: true },
    });
    expect(read({}, 'postgres')).toMatchObject({
      sensorEngineConcurrency: 8,
      runConcurrency: 16,
    });
    expect(
      read(
        {
          sensorEngine: { concurrency: 3, enabled: false },
          runs: { concurrency: 2 },
        },
        'postgres',
      ),
    ).toMatchObject({
      sensorEngineConcurrency: 3,
      runConcurrency: 2,
      roles: { sensorEngine: false, runs: true },
    });
  });

  it('fails start-up naming the key of a bad value', () => {
    expect(() => read({ runs: { concurrency: 0 } }, 'sqlite')).toThrow(
      'eventOrchestration.runs.concurrency must be an integer from 1 to 256, got 0',
    );
    expect(() =>
      read({ sensorEngine: { concurrency: 1.5 } }, 'sqlite'),
    ).toThrow(
      'eventOrchestration.sensorEngine.concurrency must be an integer from 1 to 256, got 1.5',
    );
    expect(() =>
      read(
        {
          sources: {
            natsSubjects: [
              {
                name: 'ci',
                subject: 'ci.images',
                eventType: 'ci.image.pushed',
              },
            ],
          },
        },
        'sqlite',
      ),
    ).toThrow(
      'eventOrchestration.sources.natsSubjects needs eventOrchestration.bus.nats (the NATS servers to listen to)',
    );
    expect(() => read({ retention: { runs: '1h' } }, 'sqlite')).toThrow(
      'eventOrchestration.retention.runs must be at least 1d',
    );
  });

  it('reads the chat and Prometheus settings of chat:reply and prometheus:query', () => {
    const settings = read(
      {
        chat: { allowedHosts: ['chat.example.com'] },
        prometheus: {
          instances: [{ name: 'main', baseUrl: 'https://prom.example.com' }],
        },
      },
      'sqlite',
    );
    expect(settings.actions.chat).toMatchObject({
      allowedHosts: ['chat.example.com'],
    });
    expect(settings.actions.prometheus?.instances).toEqual([
      expect.objectContaining({
        name: 'main',
        baseUrl: 'https://prom.example.com',
      }),
    ]);
  });

  it('reads the GitOps author with its defaults', () => {
    expect(read({}, 'sqlite').actions.gitops.author).toEqual({
      name: 'Event Orchestration',
      email: 'event-orchestration@backstage.local',
    });
  });

  it('lets only read-only and notification actions run by hand unless eventOrchestration.actions.manual.allowed lists more', () => {
    expect([...read({}, 'sqlite').manualActions.allowed].sort()).toEqual([
      'argocd:get-status',
      'log',
      'notification:send',
    ]);
    const listed = read(
      { actions: { manual: { allowed: ['log', 'kubernetes:apply'] } } },
      'sqlite',
    );
    expect([...listed.manualActions.allowed]).toEqual([
      'log',
      'kubernetes:apply',
    ]);
    expect(
      read({ actions: { manual: { allowed: [] } } }, 'sqlite').manualActions
        .allowed.size,
    ).toBe(0);
    expect(() =>
      read({ actions: { manual: { allowed: ['log', ' '] } } }, 'sqlite'),
    ).toThrow(
      "eventOrchestration.actions.manual.allowed[1] must be an action id such as log or argocd:get-status, got ' '",
    );
    expect(() =>
      read({ actions: { manual: { allowed: 'log' } } }, 'sqlite'),
    ).toThrow(/eventOrchestration\.actions\.manual\.allowed/);
  });

  it('reads approvals: self-approval off by default, actions that need approval by hand with their approvers', () => {
    const defaults = read({}, 'sqlite');
    expect(defaults.approvals).toEqual({ allowSelfApproval: false });
    expect(defaults.manualActions.requireApproval.size).toBe(0);
    const configured = read(
      {
        approvals: { allowSelfApproval: true },
        actions: {
          manual: {
            requireApproval: [
              'notification:send',
              {
                action: 'kubernetes:scale',
                approvers: { groups: ['platform-team'], entityOwner: true },
                timeout: '4h',
              },
            ],
          },
        },
      },
      'sqlite',
    );
    expect(configured.approvals.allowSelfApproval).toBe(true);
    expect([...configured.manualActions.requireApproval]).toEqual([
      ['notification:send', {}],
      [
        'kubernetes:scale',
        {
          approvers: {
            groups: ['group:default/platform-team'],
            entityOwner: true,
          },
          timeout: '4h',
        },
      ],
    ]);
    expect(() =>
      read(
        {
          actions: {
            manual: {
              requireApproval: [
                { action: 'log', approvers: { groups: ['user:default/x'] } },
              ],
            },
          },
        },
        'sqlite',
      ),
    ).toThrow(
      "eventOrchestration.actions.manual.requireApproval.0.approvers.groups.0: must be a group ref such as group:default/platform-team, got kind 'user'",
    );
    expect(() =>
      read(
        {
          actions: {
            manual: { requireApproval: [{ action: 'log', timeout: '90d' }] },
          },
        },
        'sqlite',
      ),
    ).toThrow(
      'eventOrchestration.actions.manual.requireApproval.0.timeout: must be a duration such as 4h or 1d, at most 30d',
    );
  });
});
