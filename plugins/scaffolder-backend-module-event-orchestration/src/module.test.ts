import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
// The test runs the backend plugin beside the module, as a real Backstage would.
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import eventOrchestrationPlugin from '@edo/plugin-event-orchestration-backend';
import request from 'supertest';
import { scaffolderModuleEventOrchestration } from './module';

jest.setTimeout(90_000);

const template: Entity = {
  apiVersion: 'scaffolder.backstage.io/v1beta3',
  kind: 'Template',
  metadata: {
    name: 'release-note',
    namespace: 'default',
    title: 'Release note',
  },
  spec: {
    type: 'service',
    owner: 'group:default/platform-team',
    parameters: [
      {
        type: 'object',
        required: ['entity', 'note'],
        properties: { entity: { type: 'string' }, note: { type: 'string' } },
      },
    ],
    steps: [
      {
        id: 'publish',
        name: 'Publish the request',
        action: 'event-orchestration:event:publish',
        input: {
          type: 'portal.release-note.requested',
          entityRef: '${{ parameters.entity }}',
          data: { note: '${{ parameters.note }}' },
        },
      },
      {
        id: 'wait',
        name: 'Wait for the run',
        action: 'event-orchestration:run:wait',
        input: {
          eventId: '${{ steps.publish.output.eventId }}',
          timeoutSeconds: 60,
        },
      },
      {
        id: 'direct',
        name: 'Run an action directly',
        action: 'event-orchestration:action:run',
        input: { action: 'log', input: { message: 'hello from a template' } },
      },
    ],
    output: {
      links: [{ title: 'Events', url: '${{ steps.publish.output.link }}' }],
    },
  },
};

const component: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'my-awesome-app',
    namespace: 'default',
    annotations: { 'argocd/app-name': 'my-awesome-app' },
  },
  spec: {
    type: 'service',
    lifecycle: 'production',
    owner: 'group:default/platform-team',
  },
};

describe('scaffolder module through the real scaffolder backend', () => {
  it('runs a template that publishes an event, waits for the run it starts, and runs an action', async () => {
    const backend = await startTestBackend({
      features: [
        scaffolderPlugin,
        scaffolderModuleEventOrchestration,
        eventOrchestrationPlugin,
        catalogServiceMock.factory({ entities: [template, component] }),
        mockServices.rootConfig.factory({
          data: {
            backend: { baseUrl: 'http://localhost:0' },
            eventOrchestration: {
              sensors: [
                {
                  name: 'release-note',
                  dependencies: [
                    {
                      name: 'asked',
                      eventType: 'portal.release-note.requested',
                    },
                  ],
                  workflow: {
                    steps: [
                      {
                        id: 'note',
                        action: 'log',
                        input: {
                          message:
                            '${{ event.actor }} asked: ${{ event.data.note }}',
                        },
                      },
                    ],
                  },
                },
              ],
            },
          },
        }),
      ],
    });
    try {
      const started = await request(backend.server)
        .post('/api/scaffolder/v2/tasks')
        .send({
          templateRef: 'template:default/release-note',
          values: {
            entity: 'component:default/my-awesome-app',
            note: 'v1.2.3 is out',
          },
        });
      expect(started.status).toBe(201);

      let task: any;
      for (let i = 0; i < 300; i++) {
        task = (
          await request(backend.server).get(
            `/api/scaffolder/v2/tasks/${started.body.id}`,
          )
        ).body;
        if (['completed', 'failed', 'cancelled'].includes(task.status)) break;
        await new Promise(r => setTimeout(r, 200));
      }
      const log = (
        await request(backend.server).get(
          `/api/scaffolder/v2/tasks/${started.body.id}/events`,
        )
      ).body
        .map((e: any) => e.body?.message)
        .filter(Boolean)
        .join('\n');
      if (task.status !== 'completed')
        throw new Error(`task ${task.status}:\n${log}`);
      expect(log).toMatch(
        /Published portal\.release-note\.requested as portal-/,
      );
      expect(log).toMatch(/step note succeeded/);
      expect(log).toMatch(/Started run .* of log/);

      const runs = (
        await request(backend.server).get('/api/event-orchestration/runs')
      ).body.items;
      expect(runs.map((r: any) => [r.sensor, r.status])).toEqual(
        expect.arrayContaining([['release-note', 'succeeded']]),
      );
      const sensorRun = runs.find((r: any) => r.sensor === 'release-note');
      expect(sensorRun.entityRefs).toEqual([
        'component:default/my-awesome-app',
      ]);
      expect(sensorRun.steps[0].logs[0]).toMatch(
        / info user:default\/mock asked: v1\.2\.3 is out$/,
      );
      const direct = runs.find((r: any) => r.sensor === 'action:log');
      expect(direct.audit).toEqual([
        expect.objectContaining({
          action: 'start',
          actor: 'user:default/mock',
        }),
      ]);
    } finally {
      await backend.stop();
    }
  });
});
