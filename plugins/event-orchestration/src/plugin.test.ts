import { isEventOrchestrationAvailable } from '@edo/plugin-event-orchestration-common';
import plugin from './index';
import {
  EntityEventOrchestrationContent,
  eventOrchestrationPlugin,
} from './legacy';

describe('event-orchestration frontend plugin', () => {
  it('is the new-frontend-system plugin event-orchestration with the Events tab and its API', () => {
    expect(plugin.pluginId).toBe('event-orchestration');
    // getExtension throws for an id the plugin does not provide; each found one
    // is checked for the kind and name its id promises.
    for (const [id, kind, name] of [
      ['entity-content:event-orchestration/events', 'entity-content', 'events'],
      ['api:event-orchestration', 'api', undefined],
      ['entity-card:event-orchestration/overview', 'entity-card', 'overview'],
      ['page:event-orchestration', 'page', undefined],
    ] as const) {
      expect(plugin.getExtension(id)).toMatchObject({ kind, name });
    }
    expect(() =>
      plugin.getExtension('page:event-orchestration/nothing' as any),
    ).toThrow(/non-existent extension/);
  });

  it('exports the legacy plugin and routable tab for apps on the old system', () => {
    expect(eventOrchestrationPlugin.getId()).toBe('event-orchestration');
    expect(typeof EntityEventOrchestrationContent).toBe('function');
  });

  it('shows the tab only on entities with a linking annotation', () => {
    const withAnnotation = {
      metadata: { annotations: { 'argocd/app-name': 'shop' } },
    };
    const without = {
      metadata: { annotations: { 'backstage.io/techdocs-ref': 'dir:.' } },
    };
    expect(isEventOrchestrationAvailable(withAnnotation)).toBe(true);
    expect(isEventOrchestrationAvailable(without)).toBe(false);
    expect(isEventOrchestrationAvailable({ metadata: {} })).toBe(false);
  });
});
