import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { loadSensors, sensorFilePaths } from './loadSensors';
import { SensorRegistry } from './SensorRegistry';

const sensorYaml = (name: string, eventType: string) => `name: ${name}
dependencies: [{ name: d, eventType: ${eventType} }]
workflow: { steps: [{ id: s, action: log, input: { message: hi } }] }
`;

describe('SensorRegistry', () => {
  let dir: string;
  let registry: SensorRegistry;
  const config = () =>
    new ConfigReader({ eventOrchestration: { sensorFiles: ['*.yaml'] } });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edo-registry-'));
    fs.writeFileSync(path.join(dir, 'a.yaml'), sensorYaml('a', 'x.one'));
    registry = new SensorRegistry(
      () => loadSensors(config(), { workingDirectory: dir }),
      mockServices.logger.mock(),
    );
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('warns about a sources: entry that names no known source (a typo rejects every event)', () => {
    fs.writeFileSync(
      path.join(dir, 'a.yaml'),
      `name: a
dependencies: [{ name: d, eventType: alertmanager.alert, sources: [alertmanger, portal] }]
workflow: { steps: [{ id: s, action: log, input: { message: hi } }] }
`,
    );
    const logger = mockServices.logger.mock();
    const checked = new SensorRegistry(
      () => loadSensors(config(), { workingDirectory: dir }),
      logger,
    );
    checked.warnAboutUnknownSources(entry =>
      ['alertmanager', 'portal'].includes(entry),
    );
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledWith(
      "Sensor 'a' dependency 'd' accepts events from 'alertmanger', which is neither a source type nor a configured source; no event will come from it",
    );
  });

  it('picks up a changed file and routes events by the new types', () => {
    expect(registry.candidates('x.one').map(s => s.spec.name)).toEqual(['a']);
    fs.writeFileSync(path.join(dir, 'a.yaml'), sensorYaml('a', 'x.two'));
    expect(registry.reload()).toEqual(['a']);
    expect(registry.candidates('x.one')).toEqual([]);
    expect(registry.candidates('x.two').map(s => s.spec.name)).toEqual(['a']);
  });

  it('keeps the previous version running when an edit breaks a sensor, and reports it', () => {
    fs.writeFileSync(
      path.join(dir, 'a.yaml'),
      'name: a\ndependencies: [{ name: d, eventType: x.one, filters: { data: [{ path: p }] } }]\nworkflow: { steps: [{ id: s, action: log }] }\n',
    );
    expect(registry.reload()).toEqual([]);
    expect(registry.candidates('x.one').map(s => s.spec.name)).toEqual(['a']);
    expect(registry.current().errors).toEqual([
      {
        source: 'a.yaml',
        sensor: 'a',
        issues: [
          {
            path: 'dependencies[0].filters.data[0]',
            message: expect.stringMatching(/^needs an operator/),
          },
          {
            path: '(reload)',
            message: 'the previous version of this sensor keeps running',
          },
        ],
      },
    ]);
  });

  it('reloads by itself when watching and a file appears', async () => {
    const stop = registry.watch(() => sensorFilePaths(config(), dir), 20);
    try {
      fs.writeFileSync(path.join(dir, 'b.yaml'), sensorYaml('b', 'x.one'));
      const deadline = Date.now() + 5000;
      while (registry.candidates('x.one').length < 2 && Date.now() < deadline) {
        await new Promise(r => setTimeout(r, 20));
      }
      expect(
        registry
          .candidates('x.one')
          .map(s => s.spec.name)
          .sort(),
      ).toEqual(['a', 'b']);
    } finally {
      stop();
    }
  });
});
