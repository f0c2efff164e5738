// Runs a TypeScript benchmark through backstage-cli's transform: node bench/run.js <file>
require('@backstage/cli/config/nodeTransform.cjs');
require(require('node:path').resolve(process.argv[2]));
