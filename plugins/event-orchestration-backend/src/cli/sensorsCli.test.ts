import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runSensorsCli } from './sensorsCli';

describe('edo-sensors', () => {
  let dir: string;
  let lines: string[];
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edo-cli-'));
    lines = [];
    jest
      .spyOn(console, 'log')
      .mockImplementation((line: string) => void lines.push(line));
    fs.writeFileSync(
      path.join(dir, 'cpu.yaml'),
      `name: high-cpu
dependencies:
  - name: cpu
    eventType: alertmanager.alert
    filters: { data: [{ path: labels.alertname, value: HighCPU }] }
aggregate: { count: 2, within: 5m, groupBy: '\${{ event.subject }}' }
workflow:
  steps: [{ id: scale, action: log, input: { message: 'scale \${{ event.subject }}' } }]
`,
    );
    const alert = (minute: number) => ({
      type: 'alertmanager.alert',
      subject: 'shop',
      time: `2026-11-23T08:0${minute}:00Z`,
      data: { labels: { alertname: 'HighCPU' } },
    });
    fs.writeFileSync(
      path.join(dir, 'events.json'),
      JSON.stringify([alert(0), alert(1)]),
    );
  });
  afterEach(() => {
    jest.restoreAllMocks();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('validates sensor files and fails on a broken one', async () => {
    expect(await runSensorsCli(['validate', path.join(dir, '*.yaml')])).toBe(0);
    expect(lines).toEqual([
      `ok      ${path.relative(
        process.cwd(),
        path.join(dir, 'cpu.yaml'),
      )}: high-cpu`,
    ]);

    fs.writeFileSync(
      path.join(dir, 'broken.yaml'),
      'name: broken\ndependencies: []\nworkflow: { steps: [] }\n',
    );
    lines.length = 0;
    expect(await runSensorsCli(['validate', path.join(dir, '*.yaml')])).toBe(1);
    expect(lines).toContain(
      '          dependencies: Array must contain at least 1 element(s)',
    );
  });

  it('dry-runs events in order and checks the expected verdicts', async () => {
    const args = [
      'test',
      path.join(dir, 'cpu.yaml'),
      path.join(dir, 'events.json'),
    ];
    expect(await runSensorsCli([...args, '--expect', 'pending,matched'])).toBe(
      0,
    );
    expect(lines.filter(l => !l.startsWith('    '))).toEqual([
      expect.stringMatching(/ pending: 1 of 2 within 5m for shop$/),
      expect.stringMatching(
        / matched: dependency 'cpu' matched \(1 filter passed\); 2 of 2 within 5m for shop$/,
      ),
    ]);
    expect(lines).toContain('    step scale (log) {"message":"scale shop"}');
    expect(await runSensorsCli([...args, '--expect', 'matched,matched'])).toBe(
      1,
    );
    expect(lines[lines.length - 1]).toBe(
      'expected matched, matched; got pending, matched',
    );
  });

  it('prints usage for unknown commands', async () => {
    expect(await runSensorsCli(['frobnicate'])).toBe(2);
    expect(lines[0]).toMatch(/^Usage:/);
  });
});
