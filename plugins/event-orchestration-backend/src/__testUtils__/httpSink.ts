import http from 'node:http';
import { AddressInfo } from 'node:net';

/** A request the sink received. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A real HTTP server on a free loopback port that records what it receives and
 * answers with the status the test chooses.
 */
export async function startHttpSink() {
  const received: ReceivedRequest[] = [];
  let status = 200;
  const queued: number[] = [];
  let delayMs = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const code = queued.shift() ?? status;
      setTimeout(() => {
        res.writeHead(code, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: code < 300 }));
      }, delayMs);
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answerWith(code: number) {
      status = code;
    },
    /** The next requests get these statuses, in order, then the usual one again. */
    answerNext(...codes: number[]) {
      queued.push(...codes);
    },
    /** Every answer waits this long. */
    delay(ms: number) {
      delayMs = ms;
    },
    close: () => new Promise<void>(resolve => server.close(() => resolve())),
  };
}
