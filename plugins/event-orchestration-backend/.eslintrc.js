// The backend is a pipeline: sources → bus → sensors → runs → actions. A stage
// never imports a later one (a later stage is reached through an interface the
// wiring in plugin.ts passes in); the store imports only -common and shared/;
// shared/ imports no stage. See docs/architecture.md, "The dependency rule".
const stages = ['sources', 'bus', 'sensors', 'runs', 'actions'];
const src = folder => `./src/${folder}`;
const wiring = [
  'router',
  'cli',
  'retention',
  'plugin.ts',
  'index.ts',
  'config.ts',
  'scheduledTasks.ts',
  'liveUpdates.ts',
];

const laterThan = stage => stages.slice(stages.indexOf(stage) + 1);

const zones = [
  // shared/ is used by every stage and uses none.
  {
    target: src('shared'),
    from: [...stages, 'store', 'catalog', ...wiring].map(src),
    message: 'shared/ must not import a stage, the store or the wiring',
  },
  // The store owns the tables; it knows nothing of the stages around it.
  {
    target: src('store'),
    from: [...stages, 'catalog', ...wiring].map(src),
    message: 'the store imports only -common and shared/',
  },
  // The catalog adapter is a service the stages use.
  {
    target: src('catalog'),
    from: [...stages, ...wiring].map(src),
    message: 'catalog/ is a service: it must not import a stage or the wiring',
  },
  // No SQL outside the store; the embedded bus keeps its own tables to itself.
  {
    target: ['./src/!(store|bus)/**', './src/*.ts'],
    from: '../../node_modules/knex',
    message: 'only store/ (and the embedded bus) may use knex',
  },
  ...stages.map(stage => ({
    target: src(stage),
    from: [...laterThan(stage), ...wiring].map(src),
    message: `${stage}/ must not import a later stage or the wiring; take an interface instead`,
  })),
];

module.exports = require('@backstage/cli/config/eslint-factory')(__dirname, {
  // The rule resolves each import to a file; the node resolver needs our extensions.
  settings: {
    'import/resolver': {
      node: { extensions: ['.ts', '.tsx', '.js', '.json'] },
    },
  },
  overrides: [
    {
      // Tests wire several stages together on purpose; production code may not.
      files: ['src/**/*.ts'],
      excludedFiles: ['src/**/*.test.ts', 'src/__testUtils__/**'],
      rules: {
        'import/no-restricted-paths': ['error', { basePath: __dirname, zones }],
      },
    },
  ],
});
