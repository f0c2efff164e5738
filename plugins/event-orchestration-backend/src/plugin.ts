import {
  coreServices,
  createBackendPlugin,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import {
  EVENT_ORIGIN_KINDS,
  eventOrchestrationPermissions,
} from '@edo/plugin-event-orchestration-common';
import {
  OrchestrationAction,
  Subscription,
  eventOrchestrationActionsExtensionPoint,
} from '@edo/plugin-event-orchestration-node';
import { ActionRegistry, createBuiltinActions } from './actions';
import { createEventBus } from './bus';
import { EntityResolver, EventRelinker } from './catalog';
import { readOrchestrationConfig } from './config';
import { createLiveUpdates } from './liveUpdates';
import { RetentionPruner, longestCorrelationPeriodMs } from './retention';
import { createRouter, registerActionResourceType } from './router';
import {
  ApprovalDecisionCheck,
  RunEngine,
  runActors,
  runFinishedEvent,
} from './runs';
import { scheduleOrchestrationTasks } from './scheduledTasks';
import {
  SensorEngine,
  SensorRegistry,
  dryRunSensor,
  loadSensors,
  sensorFilePaths,
} from './sensors';
import {
  CatalogSlackUsers,
  WebhookSources,
  readEventOwnership,
  startSources,
} from './sources';
import { OrchestrationDatabase, dialectOf, tuneSqlite } from './store';

/** Name of the bus subscriber that evaluates sensors; shared by all replicas. */
const SENSOR_ENGINE_SUBSCRIBER = 'sensor-engine';

/**
 * The event-orchestration backend plugin: sources, the bus, the sensor
 * engine, the run engine, the store and the REST API, wired together. What
 * each does lives in its folder; this file only connects them.
 *
 * @public
 */
export const eventOrchestrationPlugin = createBackendPlugin({
  pluginId: 'event-orchestration',
  register(env) {
    const moduleActions: OrchestrationAction[] = [];
    env.registerExtensionPoint(eventOrchestrationActionsExtensionPoint, {
      addActions(...actions) {
        moduleActions.push(...actions);
      },
    });

    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        database: coreServices.database,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        auth: coreServices.auth,
        permissions: coreServices.permissions,
        lifecycle: coreServices.lifecycle,
        scheduler: coreServices.scheduler,
        permissionsRegistry: coreServices.permissionsRegistry,
        userInfo: coreServices.userInfo,
        catalog: catalogServiceRef,
        signals: signalsServiceRef,
        discovery: coreServices.discovery,
        backstageEvents: eventsServiceRef,
      },
      async init(deps) {
        const { config, logger, database, lifecycle, scheduler } = deps;
        const knex = await database.getClient();
        await tuneSqlite(knex, logger);
        if (!database.migrations?.skip) {
          await knex.migrate.latest({
            directory: resolvePackagePath(
              '@edo/plugin-event-orchestration-backend',
              'migrations',
            ),
          });
        }
        deps.permissionsRegistry.addPermissions(eventOrchestrationPermissions);

        const settings = readOrchestrationConfig(config, {
          dialect: dialectOf(knex),
        });
        const { roles } = settings;
        // Who owns which event type: what the portal may publish and which
        // source a sensor accepts a type from by default.
        const ownership = readEventOwnership(config, settings.sources);
        const webhooks = new WebhookSources(settings.sources.webhooks, {
          slackUsers: new CatalogSlackUsers(deps.catalog, deps.auth),
        });
        const registry = new SensorRegistry(() => loadSensors(config), logger);
        registry.reportLoaded(webhooks.names());

        const entities = new EntityResolver(deps.catalog, deps.auth, logger);
        const store = OrchestrationDatabase.create({
          knex,
          secrets: settings.secrets.values,
        });
        const {
          bus,
          close: closeBus,
          prune: pruneBus,
        } = await createEventBus({ config, knex, logger });
        const actions = new ActionRegistry();
        actions.register(
          ...createBuiltinActions({
            settings: settings.actions,
            bus,
            entities,
            approvals: store.runs,
            discovery: deps.discovery,
            auth: deps.auth,
          }),
          ...moduleActions,
        );
        registry.warnAboutUnknownActions(id => actions.has(id));
        const knownSources = new Set<string>([
          ...EVENT_ORIGIN_KINDS,
          'alertmanager',
          'github',
          'generic',
          'slack',
          ...settings.sources.webhooks.map(w => w.name),
          ...settings.sources.natsSubjects.map(n => n.name),
          ...settings.sources.schedules.map(s => s.name),
          ...settings.sources.kubernetes.map(k => k.name),
          ...settings.sources.backstageEvents.map(b => b.topic),
        ]);
        registry.warnAboutUnknownSources(entry => knownSources.has(entry));
        registerActionResourceType(deps.permissionsRegistry, id =>
          actions.has(id),
        );

        const live = createLiveUpdates(deps.signals, logger);
        const runs = new RunEngine(
          {
            store,
            actions,
            entities,
            secrets: settings.secrets.values,
            templateSecrets: settings.secrets.templates,
            manualApprovals: settings.manualActions.requireApproval,
            logger: logger.child({ component: 'runs' }),
            hooks: {
              onStatusChange: run =>
                live.runChanged({
                  runId: run.id,
                  sensor: run.sensor,
                  status: run.status,
                  entityRefs: run.entityRefs,
                }),
              // Sensors can react to runs: `orchestration.run.finished`.
              onFinished: async run => {
                const triggers = run.triggerEventIds.length
                  ? await store.transaction(tx =>
                      store.events.eventsById(tx, { ids: run.triggerEventIds }),
                    )
                  : new Map();
                const requesters = runActors(
                  run,
                  [...triggers.values()].flatMap(e => [
                    e.origin?.actor,
                    ...(e.origin?.onBehalfOf ?? []),
                  ]),
                );
                await bus.publish(runFinishedEvent(run, requesters));
              },
            },
          },
          { concurrency: settings.runConcurrency },
        );
        const engine = new SensorEngine({
          sensors: registry,
          store,
          entities,
          ownership,
          onRunsCreated: () => runs.notify(),
          logger: logger.child({ component: 'sensors' }),
        });

        await scheduleOrchestrationTasks({
          scheduler,
          logger,
          publish: async event => {
            await bus.publish(event);
          },
          schedules: settings.sources.schedules,
          sourceState: store.sourceState,
          relinker: new EventRelinker({
            store,
            entities,
            logger,
            onLinked: (eventId, entityRefs) =>
              live.eventChanged({ eventId, entityRefs }),
          }),
          retention: new RetentionPruner({
            store,
            settings: settings.retention,
            logger: logger.child({ component: 'retention' }),
            longestSensorPeriodMs: () =>
              longestCorrelationPeriodMs(
                registry.current().sensors.map(s => s.spec),
              ),
          }),
          pruneBus,
          sensorEngine: roles.sensorEngine ? engine : undefined,
        });
        // Before any route or source publishes: what this replica publishes is
        // kept for the sensor engine even on a replica that does not evaluate,
        // and on a fresh database before the first subscription.
        await bus.declareSubscriber(SENSOR_ENGINE_SUBSCRIBER);
        if (!roles.sensorEngine || !roles.runs) {
          logger.info(
            `This replica ${
              roles.sensorEngine
                ? 'evaluates events'
                : 'does not evaluate events'
            } and ${
              roles.runs ? 'executes runs' : 'does not execute runs'
            } (eventOrchestration.sensorEngine.enabled, eventOrchestration.runs.enabled); other replicas must`,
          );
        }

        let subscription: Subscription | undefined;
        let sources: Awaited<ReturnType<typeof startSources>> | undefined;
        lifecycle.addStartupHook(async () => {
          if (roles.runs) runs.start();
          sources = await startSources({
            settings: settings.sources,
            bus,
            sourceState: store.sourceState,
            backstageEvents: deps.backstageEvents,
            logger,
          });
          if (!roles.sensorEngine) return;
          subscription = await bus.subscribe(
            SENSOR_ENGINE_SUBSCRIBER,
            async event => {
              const { entityRefs } = await engine.handle(event);
              live.eventChanged({
                eventId: event.id,
                type: event.type,
                entityRefs,
              });
            },
            { concurrency: settings.sensorEngineConcurrency },
          );
        });
        const stopWatching = settings.watchSensorFiles
          ? registry.watch(() => sensorFilePaths(config))
          : () => {};
        lifecycle.addShutdownHook(async () => {
          stopWatching();
          await sources?.stop();
          await subscription?.close();
          await runs.stop();
          await closeBus();
        });

        deps.httpRouter.use(
          await createRouter({
            store,
            bus,
            sources: webhooks,
            sensors: registry,
            actions,
            manualActions: settings.manualActions,
            dryRun: (spec, events, caller) =>
              dryRunSensor({
                sensor: spec,
                events,
                correlation: caller.liveState ? store.correlation : undefined,
                entities,
                ownership,
                // As the caller reads: stored events and entities they may
                // not read are not shown through a draft's templates.
                loadEvent: async id => {
                  const stored = await store.views.getEvent(id);
                  return stored && (await caller.mayRead(stored.entityRefs))
                    ? stored.event
                    : undefined;
                },
                mayReadEntity: ref => caller.mayRead([ref]),
              }),
            eventEntities: event => entities.resolveEventEntities(event),
            ownership,
            httpAuth: deps.httpAuth,
            userInfo: deps.userInfo,
            permissions: deps.permissions,
            permissionsRegistry: deps.permissionsRegistry,
            runs,
            approvalDecisions: new ApprovalDecisionCheck({
              store,
              userInfo: deps.userInfo,
              settings: settings.approvals,
            }),
            logger,
            watches: () => sources?.kubernetesWatches() ?? [],
            roles,
            pingDatabase: () => store.ping(),
          }),
        );
        // Webhook senders are not Backstage users: each source checks its own token.
        deps.httpRouter.addAuthPolicy({
          path: '/webhooks',
          allow: 'unauthenticated',
        });
        // Liveness probes of orchestrators carry no Backstage credentials; the
        // route shows its details only to a valid user or service token.
        deps.httpRouter.addAuthPolicy({
          path: '/health',
          allow: 'unauthenticated',
        });
      },
    });
  },
});
