// Writes schema/sensor.schema.json from the zod schema (run through backstage-cli's
/* eslint-disable no-console */
// transform so the TypeScript source can be required).
require('@backstage/cli/config/nodeTransform.cjs');
const fs = require('node:fs');
const path = require('node:path');
const { sensorJsonSchema } = require('../src/sensors/sensorJsonSchema');

const target = path.resolve(__dirname, '../schema/sensor.schema.json');
fs.writeFileSync(target, `${JSON.stringify(sensorJsonSchema(), null, 2)}\n`);
console.log(`wrote ${path.relative(process.cwd(), target)}`);
