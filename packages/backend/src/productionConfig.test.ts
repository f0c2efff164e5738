import fs from 'node:fs';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import { parse } from 'yaml';

const repoRoot = path.resolve(__dirname, '../../..');

/**
 * The configuration a production deployment runs with: app-config.yaml and
 * app-config.production.yaml layered the way the backend's root config does it
 * (`ConfigReader.fromConfigs`, later files first): objects are merged key by
 * key, a list or a value replaces the earlier one — so whatever the
 * production file does not name survives from the development file.
 */
function productionConfig() {
  return ConfigReader.fromConfigs(
    ['app-config.yaml', 'app-config.production.yaml'].map(file => ({
      context: file,
      data: parse(fs.readFileSync(path.join(repoRoot, file), 'utf8')),
    })),
  );
}

/** Every [path, value] pair under a value, for assertions on the whole tree. */
function leaves(value: unknown, at = ''): Array<[string, unknown]> {
  if (Array.isArray(value))
    return value.flatMap((v, i) => leaves(v, `${at}[${i}]`));
  if (typeof value === 'object' && value !== null)
    return Object.entries(value).flatMap(([k, v]) =>
      leaves(v, at ? `${at}.${k}` : k),
    );
  return [[at, value]];
}

describe('app-config.production.yaml over app-config.yaml', () => {
  const config = productionConfig();
  const all = leaves(config.get());

  it('turns the stand-ins off', () => {
    expect(config.getOptionalBoolean('demo.standIns')).toBe(false);
  });

  it('skips TLS verification nowhere', () => {
    expect(
      all.filter(([at, value]) => /skipTLSVerify$/i.test(at) && value === true),
    ).toEqual([]);
  });

  it('keeps none of the development tokens', () => {
    expect(
      all.filter(
        ([, value]) =>
          typeof value === 'string' && /\bdev-\S*token/.test(value),
      ),
    ).toEqual([]);
  });

  it('keeps no cluster, Argo CD instance or reading allowance on the example backend', () => {
    expect(
      all.filter(
        ([at, value]) =>
          !at.startsWith('backend.baseUrl') &&
          !at.startsWith('app.baseUrl') &&
          typeof value === 'string' &&
          /(localhost|127\.0\.0\.1)(:7007)?\/api\/demo-|^localhost:7007$/.test(
            value,
          ),
      ),
    ).toEqual([]);
    expect(
      config
        .getOptionalConfigArray('backend.reading.allow')
        ?.map(allow => allow.getString('host')) ?? [],
    ).not.toContainEqual(expect.stringMatching(/^(localhost|127\.)/));
  });

  it('reaches no loopback or private address and no local repository', () => {
    expect(
      config.getOptionalStringArray(
        'eventOrchestration.actions.http.allowedCidrs',
      ),
    ).toEqual([]);
    expect(
      config.getOptionalStringArray('eventOrchestration.gitops.allowedCidrs'),
    ).toEqual([]);
    expect(
      config.getOptionalStringArray(
        'eventOrchestration.gitops.allowedUrlSchemes',
      ),
    ).toEqual(['https', 'ssh']);
  });
});
