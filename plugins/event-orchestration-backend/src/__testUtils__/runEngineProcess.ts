/* eslint-disable no-console */
/**
 * A backend process reduced to its run engine, for the crash test: started as
 * a child process on a shared SQLite file, killed with SIGKILL mid-step.
 * Env: EDO_DB (SQLite file), EDO_LEASE_MS.
 */
import knexFactory from 'knex';
import { LoggerService } from '@backstage/backend-plugin-api';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { mockServices } from '@backstage/backend-test-utils';
import {
  ActionRegistry,
  createGitopsActions,
  createHttpRequestAction,
} from '../actions';
import { EntityResolver } from '../catalog';
import { OrchestrationDatabase } from '../store';
import { RunEngine } from '../runs';

const logger: LoggerService = {
  error: m => console.error(m),
  warn: m => console.error(m),
  info: m => console.log(m),
  debug() {},
  child: () => logger,
};

const knex = knexFactory({
  client: 'better-sqlite3',
  connection: { filename: process.env.EDO_DB! },
  useNullAsDefault: true,
});
const store = OrchestrationDatabase.create({ knex });
const actions = new ActionRegistry();
actions.register(
  // The crash test's sink listens on loopback, refused unless allowed.
  createHttpRequestAction({ allowedCidrs: ['127.0.0.1/32'] }),
  ...createGitopsActions(
    { name: 'Event Orchestration', email: 'edo@example.com' },
    { allowedUrlSchemes: ['file'] },
  ),
);
const entities = new EntityResolver(
  catalogServiceMock({ entities: [] }),
  mockServices.auth(),
  logger,
);
const engine = new RunEngine(
  { store, actions, entities, logger },
  { leaseMs: Number(process.env.EDO_LEASE_MS ?? 1000), pollIntervalMs: 100 },
);
engine.start();
console.log('run engine started');
