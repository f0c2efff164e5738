import { isEventOrchestrationAvailable } from '@edo/plugin-event-orchestration-common';
import plugin from './index';
import {
  EntityEventOrchestrationContent,
  eventOrchestrationPlugin,
} from './legacy';

describe('event-orchestration frontend plugin', () => {
  it('is the new-frontend-system plugin event-orchestration with the Events tab and its API', () => {
    expect(plugin.pluginId).toBe('event-orchestration');
    expect(
      plugin.getExtension('entity-content:event-orchestration/events'),
    ).toBeDefined();
    expect(plugin.getExtension('api:event-orchestration')).toBeDefined();
    expect(
      plugin.getExtension('entity-card:event-orchestration/overview'),
    ).toBeDefined();
    expect(plugin.getExtension('page:event-orchestration')).toBeDefined();
  });

  it('exports the legacy plugin and routable tab for apps on the old system', () => {
    expect(eventOrchestrationPlugin.getId()).toBe('event-orchestration');
    expect(EntityEventOrchestrationContent).toBeDefined();
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
