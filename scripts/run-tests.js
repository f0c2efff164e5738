#!/usr/bin/env node
/*
 * Runs every jest test of the repository once and ends with one plain line,
 * `N passed, N failed`, read from jest's --json report.
 *
 * PostgreSQL: when a server answers on 127.0.0.1:5432 (or
 * BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING is set), database tests
 * run against it as well as against SQLite.
 *
 * After jest, the short chaos run (bench/chaos/chaos.ts --short: two backend
 * processes, NATS, kill -9, a nats-server restart; see docs/benchmarks.md):
 * each of its end checks counts as one test. SKIP_CHAOS=1 leaves it out.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const PG_ENV = 'BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING';

function portOpen(host, port, timeoutMs = 1000) {
  return new Promise(resolve => {
    const socket = net.connect({ host, port });
    const done = open => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function main() {
  const env = { ...process.env, CI: 'true' };
  if (!env[PG_ENV] && (await portOpen('127.0.0.1', 5432))) {
    env[PG_ENV] = 'postgresql://postgres@127.0.0.1:5432';
  }
  console.log(
    env[PG_ENV]
      ? 'Database tests run on SQLite and PostgreSQL'
      : 'No PostgreSQL at 127.0.0.1:5432: database tests run on SQLite only',
  );

  const report = path.join(
    fs.mkdtempSync(path.join(os.tmpdir(), 'edo-jest-')),
    'report.json',
  );
  const result = spawnSync(
    'npx',
    [
      'backstage-cli',
      'repo',
      'test',
      '--json',
      `--outputFile=${report}`,
      ...process.argv.slice(2),
    ],
    { cwd: root, env, stdio: 'inherit' },
  );

  if (!fs.existsSync(report)) {
    console.log('jest wrote no report');
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  const json = JSON.parse(fs.readFileSync(report, 'utf8'));
  // A suite that fails to load has no test results but must count as a failure.
  const brokenSuites = json.testResults.filter(
    r => r.status === 'failed' && r.assertionResults.length === 0,
  ).length;
  let passed = json.numPassedTests;
  let failed = json.numFailedTests + brokenSuites;
  let skipped = json.numPendingTests + json.numTodoTests;
  let ok = result.status === 0;
  console.log(
    `unit and integration tests (jest): ${passed} passed, ${failed} failed`,
  );

  // Chaos, short form: real backend processes, nats-server, PostgreSQL (SQLite when absent).
  if (!process.env.SKIP_CHAOS) {
    const chaosReport = path.join(path.dirname(report), 'chaos.json');
    const chaosStart = Date.now();
    const chaos = spawnSync(
      process.execPath,
      [
        path.join(root, 'bench/run.js'),
        path.join(root, 'bench/chaos/chaos.ts'),
        '--short',
      ],
      {
        cwd: root,
        env: { ...env, CHAOS_REPORT: chaosReport },
        stdio: 'inherit',
        timeout: 10 * 60_000,
      },
    );
    if (fs.existsSync(chaosReport)) {
      const checks = JSON.parse(fs.readFileSync(chaosReport, 'utf8')).checks;
      const chaosPassed = checks.filter(c => c.ok).length;
      const chaosFailed = checks.length - chaosPassed;
      passed += chaosPassed;
      failed += chaosFailed;
      console.log(
        `chaos (short): ${chaosPassed} passed, ${chaosFailed} failed (${Math.round(
          (Date.now() - chaosStart) / 1000,
        )} s)`,
      );
    } else {
      failed += 1;
      console.log(
        'chaos (short): wrote no report (crashed or timed out): 0 passed, 1 failed',
      );
    }
    ok = ok && chaos.status === 0;
  } else {
    console.log('chaos (short) skipped (SKIP_CHAOS is set)');
  }

  // Browser tests: the example app in Debian's Chromium (see playwright.config.ts).
  if (!process.env.SKIP_BROWSER_TESTS) {
    const browserReport = path.join(path.dirname(report), 'playwright.json');
    const browser = spawnSync(
      'npx',
      ['playwright', 'test', '--reporter=list,json'],
      {
        cwd: root,
        env: { ...env, PLAYWRIGHT_JSON_OUTPUT_NAME: browserReport },
        stdio: 'inherit',
      },
    );
    if (fs.existsSync(browserReport)) {
      const stats = JSON.parse(fs.readFileSync(browserReport, 'utf8')).stats;
      passed += stats.expected;
      failed += stats.unexpected + stats.flaky;
      skipped += stats.skipped;
      console.log(
        `browser tests (playwright): ${stats.expected} passed, ${
          stats.unexpected + stats.flaky
        } failed`,
      );
    } else {
      failed += 1;
      console.log('playwright wrote no report');
    }
    ok = ok && browser.status === 0;
  } else {
    console.log('browser tests skipped (SKIP_BROWSER_TESTS is set)');
  }
  ok = ok && failed === 0 && passed > 0 && skipped === 0;
  if (skipped > 0)
    console.log(`${skipped} test(s) skipped: a skipped test is a defect here`);
  console.log(
    `${passed} passed, ${failed} failed${
      skipped ? `, ${skipped} skipped` : ''
    }`,
  );
  process.exit(ok ? 0 : 1);
}

main().catch(error => {
  console.error(error);
  console.log('0 passed, 1 failed');
  process.exit(1);
});
