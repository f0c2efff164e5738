import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { HostResolver } from '../../../shared/http';

/** A self-signed certificate for hooks.slack.com and slack.com, made with openssl for this test run. */
export function makeSlackCertificate() {
  const dir = mkdtempSync(join(tmpdir(), 'chat-reply-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=hooks.slack.com',
        '-addext',
        'subjectAltName=DNS:hooks.slack.com,DNS:slack.com',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Trusts `cert` besides the public roots for the rest of the test file — the
 * in-process equivalent of NODE_EXTRA_CA_CERTS, as an operator adds a private
 * CA. Certificates are still verified: without this, the stand-in's
 * self-signed certificate is refused.
 */
export function trustCertificate(cert: string) {
  const original = tls.createSecureContext;
  return jest.spyOn(tls, 'createSecureContext').mockImplementation(options =>
    original({
      ...options,
      ca: options?.ca ?? [...tls.rootCertificates, cert],
    }),
  );
}

/** A request the stand-in received. */
export interface SlackRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A loopback HTTPS (or, without a certificate, HTTP) server standing in for Slack. */
export async function startSlackStandIn(
  certificate: { key: string; cert: string } | undefined,
  answer: (r: SlackRequest) => { status: number; body: string; type?: string },
) {
  const received: SlackRequest[] = [];
  let connections = 0;
  const handler: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      const r = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(r);
      const a = answer(r);
      res.writeHead(a.status, { 'content-type': a.type ?? 'text/html' });
      res.end(a.body);
    });
  };
  const server = certificate
    ? https.createServer(certificate, handler)
    : http.createServer(handler);
  // TCP connections: a refusal must not even open one.
  server.on('connection', () => connections++);
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    connections: () => connections,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Every name resolves to the loopback stand-in. */
export const toLoopback: HostResolver = async () => [
  { address: '127.0.0.1', family: 4 },
];
