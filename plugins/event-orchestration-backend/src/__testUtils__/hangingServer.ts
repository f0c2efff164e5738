import http from 'node:http';
import { AddressInfo, Socket } from 'node:net';

/**
 * A real HTTP server on a free loopback port that reads requests and never
 * answers them: a hung API. With `forwardTo`, requests that `hang` does not
 * pick are relayed to that server, so a client gets through its first calls
 * and hangs on the one the test chooses. It counts the unanswered requests
 * whose connection the client closed, so a test sees an abort reach the wire.
 */
export async function startHangingServer(
  options: {
    forwardTo?: string;
    hang?: (request: { method: string; path: string }) => boolean;
  } = {},
) {
  const hung: string[] = [];
  const open = new Set<Socket>();
  let abandoned = 0;
  let closing = false;
  const server = http.createServer((req, res) => {
    const request = { method: req.method ?? '', path: req.url ?? '' };
    if (options.forwardTo && !(options.hang?.(request) ?? true)) {
      const relayed = http.request(
        `${options.forwardTo}${request.path}`,
        { method: request.method, headers: req.headers },
        upstream => {
          res.writeHead(upstream.statusCode ?? 502, upstream.headers);
          upstream.pipe(res);
        },
      );
      relayed.on('error', () => res.destroy());
      req.pipe(relayed);
      return;
    }
    hung.push(`${request.method} ${request.path}`);
    req.socket.once('close', () => {
      if (!closing) abandoned++;
    });
    req.resume();
  });
  server.on('connection', socket => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    /** `METHOD path` of the requests left unanswered. */
    hung,
    /** Unanswered requests whose connection the client closed: aborts on the wire. */
    abandoned: () => abandoned,
    close: () =>
      new Promise<void>(resolve => {
        closing = true;
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
