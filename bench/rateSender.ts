/* eslint-disable no-console */
/**
 * A webhook sender at a fixed rate, in its own process (the load bench's
 * latency row): RATE requests per second for SECONDS to URL with a bearer
 * TOKEN, each body `{id, sentAt, image, match}` with `sentAt` the send time in
 * epoch ms, so the receiver can measure from the send. Prints one JSON line:
 * sent, accepted (2xx), failed, the achieved rate and the 202 latencies.
 *
 * Env: RATE_URL, RATE_TOKEN, RATE (per second), RATE_SECONDS, RATE_TAG (id prefix).
 * Run by bench/load.bench.ts.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

const url = new URL(process.env.RATE_URL!);
const token = process.env.RATE_TOKEN!;
const rate = Number(process.env.RATE ?? 1000);
const seconds = Number(process.env.RATE_SECONDS ?? 10);
const tag = process.env.RATE_TAG ?? 'rate';
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

let sent = 0;
let accepted = 0;
let failed = 0;
const latencies: number[] = [];

function post(i: number) {
  const started = performance.now();
  const body = JSON.stringify({
    id: `${tag}-${i}`,
    sentAt: Date.now(),
    image: `app-${i % 50}`,
    match: 'yes',
  });
  return new Promise<void>(resolve => {
    const req = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${token}`,
        },
      },
      res => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode! >= 200 && res.statusCode! < 300) accepted++;
          else failed++;
          latencies.push(performance.now() - started);
          resolve();
        });
      },
    );
    req.on('error', () => {
      failed++;
      resolve();
    });
    req.end(body);
  });
}

async function main() {
  const inFlight: Promise<void>[] = [];
  const start = performance.now();
  const total = Math.round(rate * seconds);
  await new Promise<void>(resolve => {
    const timer = setInterval(() => {
      // Catch up to the schedule: a late tick sends what is due, so the rate holds.
      const due = Math.min(
        total,
        Math.floor(((performance.now() - start) / 1000) * rate),
      );
      while (sent < due) inFlight.push(post(sent++));
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 2);
  });
  const sendSeconds = (performance.now() - start) / 1000;
  await Promise.all(inFlight);
  latencies.sort((a, b) => a - b);
  const pick = (p: number) =>
    latencies[
      Math.min(latencies.length - 1, Math.floor(p * latencies.length))
    ] ?? 0;
  console.log(
    JSON.stringify({
      sent,
      accepted,
      failed,
      rate: sent / sendSeconds,
      p50: pick(0.5),
      p99: pick(0.99),
    }),
  );
  agent.destroy();
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
