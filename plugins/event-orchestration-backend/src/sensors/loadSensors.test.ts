import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import { loadSensors } from './loadSensors';

const validSensor = {
  name: 'slo-remediation',
  dependencies: [
    {
      name: 'unhealthy',
      eventType: 'alertmanager.alert',
      filters: { data: [{ path: 'status', value: 'firing' }] },
    },
  ],
  workflow: {
    steps: [
      {
        id: 'say',
        action: 'log',
        input: { message: 'app ${{ event.subject }}' },
      },
    ],
  },
};

describe('loadSensors', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edo-sensors-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('loads inline sensors and files matched by globs, multi-document YAML included', () => {
    fs.writeFileSync(
      path.join(dir, 'two.yaml'),
      `name: first
dependencies:
  - { name: a, eventType: x.y }
workflow:
  steps: [{ id: s, action: log, input: { message: hi } }]
---
name: second
dependencies:
  - { name: a, eventType: x.y }
workflow:
  steps: [{ id: s, action: log, input: { message: hi } }]
`,
    );
    const result = loadSensors(
      new ConfigReader({
        eventOrchestration: { sensors: [validSensor], sensorFiles: ['*.yaml'] },
      }),
      { workingDirectory: dir },
    );
    expect(result.errors).toEqual([]);
    expect(result.sensors.map(s => [s.spec.name, s.source])).toEqual([
      ['slo-remediation', 'app-config eventOrchestration.sensors[0]'],
      ['first', 'two.yaml#1'],
      ['second', 'two.yaml#2'],
    ]);
  });

  it('reports a broken sensor by name, source and path, and still loads the others', () => {
    fs.writeFileSync(
      path.join(dir, 'broken.yaml'),
      `name: broken
dependencies:
  - name: a
    eventType: alertmanager.alert
    filters:
      data:
        - { path: labels.severity, in: critical }
workflow:
  steps: [{ id: s, action: log, input: {} }]
`,
    );
    const result = loadSensors(
      new ConfigReader({
        eventOrchestration: { sensors: [validSensor], sensorFiles: ['*.yaml'] },
      }),
      { workingDirectory: dir },
    );
    expect(result.sensors.map(s => s.spec.name)).toEqual(['slo-remediation']);
    expect(result.errors).toEqual([
      {
        source: 'broken.yaml',
        sensor: 'broken',
        issues: [
          {
            path: 'dependencies[0].filters.data[0].in',
            message: 'Expected array, received string',
          },
        ],
      },
    ]);
  });

  it('rejects unknown keys, invalid CEL in templates, YAML syntax errors and duplicate names', () => {
    fs.writeFileSync(path.join(dir, 'a-syntax.yaml'), 'name: [unclosed\n');
    const result = loadSensors(
      new ConfigReader({
        eventOrchestration: {
          sensorFiles: ['*.yaml'],
          sensors: [
            { ...validSensor, throttle: '30s' },
            {
              ...validSensor,
              name: 'bad-template',
              workflow: {
                steps: [
                  {
                    id: 's',
                    action: 'log',
                    input: { message: '${{ event.( }}' },
                  },
                ],
              },
            },
            validSensor,
            validSensor,
          ],
        },
      }),
      { workingDirectory: dir },
    );
    expect(result.sensors.map(s => s.spec.name)).toEqual(['slo-remediation']);
    expect(result.errors.map(e => [e.source, e.issues[0].path])).toEqual([
      ['app-config eventOrchestration.sensors[0]', '(root)'],
      [
        'app-config eventOrchestration.sensors[1]',
        'workflow.steps[0].input.message',
      ],
      ['app-config eventOrchestration.sensors[3]', 'name'],
      ['a-syntax.yaml', '(yaml line 2)'],
    ]);
    expect(result.errors[0].issues[0].message).toBe(
      "unknown key(s) 'throttle'",
    );
    expect(result.errors[1].issues[0].message).toMatch(
      /^invalid expression \$\{\{ event\.\( \}\}/,
    );
    expect(result.errors[2].issues[0].message).toBe(
      "sensor 'slo-remediation' is already defined in app-config eventOrchestration.sensors[2]",
    );
  });
});
