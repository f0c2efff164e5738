import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import YAML from 'yaml';
import { spec } from './openapi';

describe('the OpenAPI document', () => {
  it('is served as written: the generated module holds exactly openapi.yaml (run `yarn schema:openapi` after editing it)', () => {
    const written = YAML.parse(
      readFileSync(resolve(__dirname, 'openapi.yaml'), 'utf8'),
    );
    expect(spec).toEqual(written);
  });

  it('names every operation once', () => {
    const ids = Object.values(spec.paths).flatMap(item =>
      Object.values(item).map(operation => operation.operationId),
    );
    expect(ids.every(Boolean)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
