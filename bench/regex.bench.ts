/*
 * Regex engines for sensor filters: `yarn bench:regex`.
 *
 * Sensor patterns are matched against webhook text, so the engine must be
 * linear-time (RE2 semantics). This measures the engine the suite uses
 * (re2js, pure JavaScript) against JavaScript's own RegExp — the ceiling for
 * patterns that do not backtrack — and, when it can be loaded, the native RE2
 * binding (`re2`, which needs a C++ build at install time and is therefore
 * not a dependency: `EDO_BENCH_RE2=/path/to/node_modules/re2` points at a copy
 * built elsewhere).
 *
 * Rows: matches per second for realistic filter patterns on realistic values,
 * and the time of one hostile match (`^(a+)+$` against n a's and a b), where
 * RegExp's time doubles with each extra character.
 */
import { compileLinearRegex } from '@edo/plugin-event-orchestration-common';

type Engine = { name: string; compile: (p: string) => (s: string) => boolean };

const engines: Engine[] = [
  {
    name: 'RegExp (backtracking)',
    compile: p => {
      const r = new RegExp(p, 'u');
      return s => r.test(s);
    },
  },
  {
    name: 're2js (used)',
    compile: p => {
      const r = compileLinearRegex(p);
      return s => r.test(s);
    },
  },
];
const nativePath = process.env.EDO_BENCH_RE2;
if (nativePath) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const RE2 = require(nativePath);
  engines.push({
    name: 're2 (native)',
    compile: p => {
      const r = new RE2(p, 'u');
      return s => r.test(s);
    },
  });
}

const realistic: Array<[string, string[]]> = [
  ['^v\\d+\\.\\d+\\.\\d+$', ['v1.2.3', 'v10.20.30', 'latest', 'v1.2']],
  ['^[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?$', ['my-awesome-app', 'Payments', 'a']],
  ['^prod-', ['prod-eu-1', 'staging-eu-1']],
  ['(?:error|fatal).*timeout', ['fatal: upstream timeout after 30s', 'ok']],
];

function opsPerSecond(test: (s: string) => boolean, inputs: string[]) {
  const deadline = process.hrtime.bigint() + 500_000_000n;
  let ops = 0;
  while (process.hrtime.bigint() < deadline) {
    for (let i = 0; i < 1000; i++) test(inputs[i % inputs.length]);
    ops += 1000;
  }
  return ops / 0.5;
}

function hostileMs(test: (s: string) => boolean, n: number) {
  const text = `${'a'.repeat(n)}b`;
  const start = process.hrtime.bigint();
  test(text);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const rows: string[] = [];
for (const engine of engines) {
  const rates = realistic.map(([p, inputs]) =>
    opsPerSecond(engine.compile(p), inputs),
  );
  const mean = rates.reduce((a, b) => a + b, 0) / rates.length;
  const hostile = engine.compile('^(a+)+$');
  rows.push(
    [
      engine.name.padEnd(22),
      `${Math.round(mean).toLocaleString('en')}/s`.padStart(14),
      ...[16, 22, 24].map(n =>
        `${hostileMs(hostile, n).toFixed(2)} ms`.padStart(12),
      ),
      // For RegExp 100,000 characters would take ~2^100,000 steps: not run.
      (engine.name.startsWith('RegExp')
        ? 'not run'
        : `${hostileMs(hostile, 100_000).toFixed(1)} ms`
      ).padStart(12),
    ].join(' '),
  );
}
console.log(
  [
    `${'engine'.padEnd(22)} ${'realistic'.padStart(14)} ${'hostile 16'.padStart(
      12,
    )} ${'hostile 22'.padStart(12)} ${'hostile 24'.padStart(
      12,
    )} ${'hostile 1e5'.padStart(12)}`,
    ...rows,
  ].join('\n'),
);
