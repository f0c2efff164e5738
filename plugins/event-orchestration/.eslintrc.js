// The frontend reaches the backend only over HTTP: shared types and the client
// come from -common, never from the backend or backend-only packages.
const backendOnly = [
  '@edo/plugin-event-orchestration-backend',
  '@edo/plugin-event-orchestration-node',
  '@edo/plugin-scaffolder-backend-module-event-orchestration',
].map(name => ({
  name,
  message: 'the frontend never imports backend code; use -common',
}));

module.exports = require('@backstage/cli/config/eslint-factory')(__dirname, {
  restrictedImports: backendOnly,
  restrictedImportPatterns: [
    '@edo/plugin-event-orchestration-backend/*',
    '@edo/plugin-event-orchestration-node/*',
  ],
});
