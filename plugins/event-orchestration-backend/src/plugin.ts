import { Config } from '@backstage/config';
import { Knex } from 'knex';
import {
  coreServices,
  createBackendPlugin,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { eventOrchestrationPermissions } from '@edo/plugin-event-orchestration-common';
import {
  OrchestrationAction,
  Subscription,
  eventOrchestrationActionsExtensionPoint,
} from '@edo/plugin-event-orchestration-node';
import {
  ActionRegistry,
  createApprovalAction,
  createArgoCdActions,
  createEventPublishAction,
  createGitHubResolver,
  createGitopsActions,
  readGitRemotePolicy,
  readGitUrlSchemes,
  createNotificationAction,
  readArgoCdInstances,
  createHttpRequestAction,
  readHttpRequestActionOptions,
  logAction,
  createKubernetesActions,
  createCatalogRegisterAction,
  readKubernetesClusters,
} from './actions';
import { createEventBus } from './bus';
import {
  RetentionPruner,
  longestCorrelationPeriodMs,
  readRetentionSettings,
} from './retention';
import { EntityResolver, EventRelinker } from './catalog';
import { createRouter } from './router';
import { RunEngine, knownSecretValues, runFinishedEvent } from './runs';
import { TemplateSecrets } from './templating/secrets';
import {
  SensorEngine,
  SensorRegistry,
  dryRunSensor,
  loadSensors,
  sensorFilePaths,
} from './sensors';
import {
  WebhookSources,
  KubernetesSources,
  NatsSubjectSources,
  backstageEventToEvent,
  emitDueTicks,
  readBackstageEventsSources,
  readKubernetesSources,
  readNatsSubjectSources,
  readSchedules,
  readWebhookSources,
} from './sources';
import { OrchestrationStore, tuneSqlite } from './store';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { JsonObject } from '@backstage/types';
import { readNatsConnectionSettings } from './shared/nats/natsConnection';

/** Signal channels the frontend listens to. */
const RUNS_SIGNAL_CHANNEL = 'event-orchestration:runs';
const EVENTS_SIGNAL_CHANNEL = 'event-orchestration:events';

/** Name of the bus subscriber that evaluates sensors; shared by all replicas. */
const SENSOR_ENGINE_SUBSCRIBER = 'sensor-engine';

/**
 * Events the sensor engine of one process judges at once (same subject: one
 * after the other). Each holds its sensor group's lock in a transaction, so
 * this is as safe as several replicas; it pays on PostgreSQL, where an event
 * mostly waits for round trips. SQLite has one writer: default 1 there.
 */
function sensorEngineConcurrency(config: Config, knex: Knex): number {
  return concurrencyOf(
    config,
    'eventOrchestration.sensorEngine.concurrency',
    isPostgres(knex) ? 8 : 1,
  );
}

/**
 * Runs one backend process executes at once. Steps mostly wait (HTTP, git,
 * the database), so more runs at once pay on PostgreSQL; SQLite's one writer
 * keeps the old 4.
 */
function runEngineConcurrency(config: Config, knex: Knex): number {
  return concurrencyOf(
    config,
    'eventOrchestration.runs.concurrency',
    isPostgres(knex) ? 16 : 4,
  );
}

/**
 * What this replica does besides accepting events (every replica ingests):
 * judging them (the sensor engine) and executing runs. Turning one off lets a
 * deployment scale webhook ingest apart from the work, as Argo Events splits
 * event sources from sensors.
 */
function replicaRoles(config: Config) {
  return {
    sensorEngine:
      config.getOptionalBoolean('eventOrchestration.sensorEngine.enabled') ??
      true,
    runs: config.getOptionalBoolean('eventOrchestration.runs.enabled') ?? true,
  };
}

function isPostgres(knex: Knex) {
  return /^(pg|postgres)/.test(String(knex.client.config?.client ?? ''));
}

function concurrencyOf(config: Config, key: string, fallback: number): number {
  const configured = config.getOptionalNumber(key);
  if (configured === undefined) return fallback;
  if (!Number.isInteger(configured) || configured < 1 || configured > 256) {
    throw new Error(
      `${key} must be an integer from 1 to 256, got ${configured}`,
    );
  }
  return configured;
}

/**
 * The event-orchestration backend plugin: webhook sources, the bus, the sensor
 * engine, the run engine, the store and the REST API.
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
        catalog: catalogServiceRef,
        signals: signalsServiceRef,
        discovery: coreServices.discovery,
        backstageEvents: eventsServiceRef,
      },
      async init({
        config,
        logger,
        database,
        httpRouter,
        httpAuth,
        auth,
        permissions,
        lifecycle,
        scheduler,
        permissionsRegistry,
        catalog,
        signals,
        discovery,
        backstageEvents,
      }) {
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
        permissionsRegistry.addPermissions(eventOrchestrationPermissions);

        const sources = new WebhookSources(readWebhookSources(config));
        const roles = replicaRoles(config);
        const schedules = readSchedules(config);
        const natsSubjects = readNatsSubjectSources(config);
        const kubernetesClusters = readKubernetesSources(config);
        const natsConfig = config.getOptionalConfig(
          'eventOrchestration.bus.nats',
        );
        if (natsSubjects.length > 0 && !natsConfig) {
          throw new Error(
            'eventOrchestration.sources.natsSubjects needs eventOrchestration.bus.nats (the NATS servers to listen to)',
          );
        }
        const registry = new SensorRegistry(() => loadSensors(config), logger);
        const sensors = registry.current();
        for (const error of sensors.errors) {
          logger.error(
            `Sensor ${error.sensor ? `'${error.sensor}' ` : ''}from ${
              error.source
            } was skipped: ${error.issues
              .map(i => `${i.path}: ${i.message}`)
              .join('; ')}`,
          );
        }
        logger.info(
          `Loaded ${sensors.sensors.length} sensor(s)${
            sensors.errors.length ? `, ${sensors.errors.length} failed` : ''
          }; webhook sources: ${sources.names().join(', ') || 'none'}`,
        );

        const entities = new EntityResolver(catalog, auth, logger);
        const actions = new ActionRegistry();
        // Configured secret values never reach stored events, step records or the API.
        const secrets = knownSecretValues(config);
        const store = new OrchestrationStore(knex, secrets);
        const {
          bus,
          close: closeBus,
          prune: pruneBus,
        } = await createEventBus({
          config,
          knex,
          logger,
        });
        actions.register(
          createHttpRequestAction(readHttpRequestActionOptions(config)),
          logAction,
          createEventPublishAction(bus),
          ...createGitopsActions(
            {
              name:
                config.getOptionalString(
                  'eventOrchestration.gitops.author.name',
                ) ?? 'Event Orchestration',
              email:
                config.getOptionalString(
                  'eventOrchestration.gitops.author.email',
                ) ?? 'event-orchestration@backstage.local',
            },
            {
              github: createGitHubResolver(config),
              allowedUrlSchemes: readGitUrlSchemes(config),
              remotePolicy: readGitRemotePolicy(config),
            },
          ),
          ...createArgoCdActions(readArgoCdInstances(config)),
          ...createKubernetesActions(readKubernetesClusters(config)),
          createNotificationAction({ discovery, auth }, entities),
          createCatalogRegisterAction({ discovery, auth }),
          createApprovalAction(store.runs),
          ...moduleActions,
        );
        for (const sensor of sensors.sensors) {
          for (const step of sensor.spec.workflow.steps) {
            if (!actions.has(step.action)) {
              logger.warn(
                `Sensor '${sensor.spec.name}' step '${step.id}' uses unknown action '${step.action}'; its runs will fail at that step`,
              );
            }
          }
        }

        /** Live updates for open browsers (Backstage signals). */
        const signal = (channel: string, message: JsonObject) =>
          signals
            .publish({ recipients: { type: 'broadcast' }, channel, message })
            .catch(error =>
              logger.warn(`Could not send signal on ${channel}: ${error}`),
            );
        const runs = new RunEngine(
          {
            store,
            actions,
            entities,
            secrets,
            templateSecrets: TemplateSecrets.fromConfig(config),
            logger: logger.child({ component: 'runs' }),
            hooks: {
              onStatusChange: run =>
                void signal(RUNS_SIGNAL_CHANNEL, {
                  runId: run.id,
                  sensor: run.sensor,
                  status: run.status,
                  entityRefs: run.entityRefs,
                }),
              // Sensors can react to runs: `orchestration.run.finished`.
              onFinished: async run => {
                await bus.publish(runFinishedEvent(run));
              },
            },
          },
          { concurrency: runEngineConcurrency(config, knex) },
        );
        const engine = new SensorEngine({
          sensors: registry,
          store,
          entities,
          runs,
          logger: logger.child({ component: 'sensors' }),
        });

        let subscription: Subscription | undefined;
        let natsSources: NatsSubjectSources | undefined;
        let kubernetesSources: KubernetesSources | undefined;
        if (schedules.length > 0) {
          // Global scope: one replica at a time looks for due ticks.
          await scheduler.scheduleTask({
            id: 'event-orchestration-schedules',
            frequency: { seconds: 15 },
            timeout: { minutes: 1 },
            scope: 'global',
            fn: async () => {
              await emitDueTicks({
                schedules,
                sourceState: store.sourceState,
                publish: event => bus.publish(event),
              });
            },
          });
        }
        // Debounced fires fall due while no event arrives: one replica looks for them.
        // Events whose subject the catalog could not link yet (see docs/api.md, "Linking events to entities").
        const relinker = new EventRelinker({
          store,
          entities,
          logger,
          onLinked: (eventId, entityRefs) =>
            void signal(EVENTS_SIGNAL_CHANNEL, { eventId, entityRefs }),
        });
        await scheduler.scheduleTask({
          id: 'event-orchestration-relink-events',
          frequency: { seconds: 10 },
          timeout: { minutes: 2 },
          scope: 'global',
          fn: async () => {
            await relinker.relinkDue();
          },
        });
        if (pruneBus) {
          await scheduler.scheduleTask({
            id: 'event-orchestration-bus-prune',
            frequency: { minutes: 10 },
            timeout: { minutes: 10 },
            scope: 'global',
            fn: async () => {
              const pruned = await pruneBus();
              if (pruned > 0)
                logger.info(
                  `Event bus: pruned ${pruned} messages past eventOrchestration.bus.embedded.maxAge`,
                );
            },
          });
        }
        // Global scope: one replica at a time deletes what is past
        // eventOrchestration.retention (docs/api.md, "Retention").
        const retention = new RetentionPruner({
          store,
          settings: readRetentionSettings(config),
          logger: logger.child({ component: 'retention' }),
          longestSensorPeriodMs: () =>
            longestCorrelationPeriodMs(
              registry.current().sensors.map(s => s.spec),
            ),
        });
        await scheduler.scheduleTask({
          id: 'event-orchestration-retention',
          frequency: { minutes: 30 },
          timeout: { minutes: 15 },
          scope: 'global',
          fn: async abortSignal => {
            await retention.prune(Date.now(), abortSignal);
          },
        });
        // Before any route or source publishes: what this replica publishes is
        // kept for the sensor engine even on a replica that does not judge, and
        // on a fresh database before the first subscription.
        await bus.declareSubscriber(SENSOR_ENGINE_SUBSCRIBER);
        if (roles.sensorEngine) {
          await scheduler.scheduleTask({
            id: 'event-orchestration-debounce',
            frequency: { seconds: 5 },
            timeout: { minutes: 1 },
            scope: 'global',
            fn: async () => {
              await engine.fireDueDebounces();
            },
          });
        }
        if (!roles.sensorEngine || !roles.runs) {
          logger.info(
            `This replica ${
              roles.sensorEngine ? 'judges events' : 'does not judge events'
            } and ${
              roles.runs ? 'executes runs' : 'does not execute runs'
            } (eventOrchestration.sensorEngine.enabled, eventOrchestration.runs.enabled); other replicas must`,
          );
        }
        lifecycle.addStartupHook(async () => {
          if (roles.runs) runs.start();
          if (natsSubjects.length > 0) {
            natsSources = await NatsSubjectSources.start({
              ...readNatsConnectionSettings(natsConfig!),
              sources: natsSubjects,
              bus,
              logger: logger.child({ component: 'nats-sources' }),
            });
          }
          if (kubernetesClusters.length > 0) {
            kubernetesSources = await KubernetesSources.start({
              clusters: kubernetesClusters,
              bus,
              sourceState: store.sourceState,
              logger: logger.child({ component: 'kubernetes-sources' }),
            });
          }
          const backstageTopics = readBackstageEventsSources(config);
          if (backstageTopics.length > 0) {
            // Backstage's EventsService distributes each event to one subscriber with this id.
            await backstageEvents.subscribe({
              id: 'event-orchestration',
              topics: backstageTopics.map(t => t.topic),
              onEvent: async params => {
                const source = backstageTopics.find(
                  t => t.topic === params.topic,
                )!;
                await bus.publish(backstageEventToEvent(source, params));
              },
            });
          }
          if (!roles.sensorEngine) return;
          subscription = await bus.subscribe(
            SENSOR_ENGINE_SUBSCRIBER,
            async event => {
              const { entityRefs } = await engine.handle(event);
              void signal(EVENTS_SIGNAL_CHANNEL, {
                eventId: event.id,
                type: event.type,
                entityRefs,
              });
            },
            { concurrency: sensorEngineConcurrency(config, knex) },
          );
        });
        // Re-load sensor files on change: by default in development only.
        const watch =
          config.getOptionalBoolean('eventOrchestration.watchSensorFiles') ??
          process.env.NODE_ENV === 'development';
        const stopWatching = watch
          ? registry.watch(() => sensorFilePaths(config))
          : () => {};
        lifecycle.addShutdownHook(async () => {
          stopWatching();
          await natsSources?.stop();
          await kubernetesSources?.stop();
          await subscription?.close();
          await runs.stop();
          await closeBus();
        });

        httpRouter.use(
          await createRouter({
            store,
            bus,
            sources,
            sensors: registry,
            actions,
            dryRun: (spec, events) =>
              dryRunSensor({
                sensor: spec,
                events,
                correlation: store.correlation,
                entities,
                loadEvent: async id => (await store.views.getEvent(id))?.event,
              }),
            httpAuth,
            permissions,
            runs,
            logger,
            watches: () => kubernetesSources?.status() ?? [],
            roles,
            pingDatabase: () => store.ping(),
          }),
        );
        // Webhook senders are not Backstage users: each source checks its own token.
        httpRouter.addAuthPolicy({
          path: '/webhooks',
          allow: 'unauthenticated',
        });
        // Liveness probes of orchestrators carry no Backstage credentials; the
        // route shows its details only to a valid user or service token.
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
      },
    });
  },
});
