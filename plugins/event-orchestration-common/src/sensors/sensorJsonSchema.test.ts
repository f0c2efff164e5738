import fs from 'node:fs';
import path from 'node:path';
import { sensorJsonSchema } from './sensorJsonSchema';

const committed = path.resolve(__dirname, '../../schema/sensor.schema.json');

describe('sensorJsonSchema', () => {
  it('matches the committed schema file (regenerate with `yarn workspace @edo/plugin-event-orchestration-common schema`)', () => {
    const generated = `${JSON.stringify(sensorJsonSchema(), null, 2)}\n`;
    expect(fs.readFileSync(committed, 'utf8')).toBe(generated);
  });

  it('describes the filter operators editors should offer', () => {
    const text = JSON.stringify(sensorJsonSchema());
    for (const op of [
      'notIn',
      'regex',
      'startsWith',
      'filtersLogicalOperator',
      'aggregate',
      'rateLimit',
    ]) {
      expect(text).toContain(`"${op}"`);
    }
  });
});
