/**
 * A backend replica in a child process (bench/backendProcess.ts), started,
 * `kill -9`ed, restarted and stopped by the chaos run and the load bench. The
 * test backend picks a free port and announces it in its `ready` line; a
 * restarted replica may therefore listen on another port.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

/** The database the replicas share. */
export type SharedDatabase = { pgUrl: string } | { sqliteFile: string };

export class Replica {
  child?: ChildProcess;
  port = 0;
  ready = false;
  starts = 0;
  kills = 0;
  /** Exits that were neither a kill -9 nor a stop; the replica is started again. */
  unplannedExits = 0;
  private stopping = false;

  constructor(
    readonly name: string,
    private readonly options: {
      config: object;
      database: SharedDatabase;
      logFile: string;
      /** Called with lines worth telling (unplanned exits). */
      log?: (message: string) => void;
    },
  ) {}

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Spawns the process and resolves once it listens. */
  async start(): Promise<void> {
    this.starts++;
    this.ready = false;
    this.stopping = false;
    const out = fs.openSync(this.options.logFile, 'a');
    fs.writeSync(
      out,
      `\n=== start ${this.starts} at ${new Date().toISOString()}\n`,
    );
    const { database } = this.options;
    const child = spawn(
      process.execPath,
      [
        // e.g. BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the replicas
        ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
        path.join(ROOT, 'bench/run.js'),
        path.join(ROOT, 'bench/backendProcess.ts'),
      ],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          LOG_LEVEL: 'warn',
          BENCH_BACKEND_CONFIG: JSON.stringify(this.options.config),
          ...('pgUrl' in database
            ? { BENCH_PG_URL: database.pgUrl }
            : { BENCH_SQLITE_FILE: database.sqliteFile }),
        },
        stdio: ['ignore', 'pipe', out],
      },
    );
    this.child = child;
    const whenReady = new Promise<void>((resolve, reject) => {
      let buffer = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        fs.writeSync(out, chunk);
        buffer += chunk.toString('utf8');
        const announced = /^ready (\d+)/m.exec(buffer);
        if (!this.ready && announced) {
          this.port = Number(announced[1]);
          this.ready = true;
          resolve();
        }
      });
      child.once('exit', (code, signal) => {
        fs.closeSync(out);
        this.ready = false;
        if (this.child !== child) return;
        if (!this.stopping && signal !== 'SIGKILL') {
          // Not our doing: count it, and bring the replica back as an operator would.
          this.unplannedExits++;
          this.options.log?.(
            `${this.name} exited by itself (code ${code}, signal ${signal}); restarting`,
          );
          reject(
            new Error(
              `${this.name} exited (code ${code}); its log ends:\n${fs
                .readFileSync(this.options.logFile, 'utf8')
                .slice(-3000)}`,
            ),
          );
          setTimeout(() => void this.start().catch(() => {}), 1000);
        } else {
          reject(new Error(`${this.name} stopped`));
        }
      });
    });
    whenReady.catch(() => {});
    await whenReady;
  }

  /** `kill -9`, then wait for the exit. */
  async kill9() {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.kills++;
    const exited = new Promise(resolve => child.once('exit', resolve));
    process.kill(child.pid!, 'SIGKILL');
    await exited;
  }

  /** SIGTERM (a clean shutdown), SIGKILL after 15 s. */
  async stop() {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise(resolve => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}
