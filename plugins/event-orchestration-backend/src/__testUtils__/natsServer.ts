import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

function findBinary(): string {
  for (const dir of [
    ...(process.env.PATH ?? '').split(path.delimiter),
    '/usr/sbin',
    '/usr/local/bin',
  ]) {
    const candidate = path.join(dir, 'nats-server');
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(
    'nats-server is not installed: the NATS bus tests need it (Debian/Ubuntu: apt-get install nats-server; scripts/test installs it when run as root)',
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function waitForPort(port: number, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>(resolve => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline)
      throw new Error(`nats-server did not listen on ${port}`);
    await new Promise(r => setTimeout(r, 50));
  }
}

/**
 * A private `nats-server -js` on a free loopback port, with its own store directory.
 * `config` is extra server configuration (TLS, authorization), written to a file.
 */
export async function startNatsServer(options: { config?: string } = {}) {
  const binary = findBinary();
  const port = await freePort();
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'edo-nats-'));
  const args = ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir];
  if (options.config) {
    const file = path.join(storeDir, 'server.conf');
    fs.writeFileSync(file, options.config);
    args.push('-c', file);
  }
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(binary, args, {
      stdio: 'ignore',
    });
    await waitForPort(port);
  };
  const stop = async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise(resolve => child!.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    stop,
    /** Stops and starts again on the same port and store. */
    restart: async () => {
      await stop();
      await start();
    },
    cleanup: async () => {
      await stop();
      fs.rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
