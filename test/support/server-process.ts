// What the real test servers (s3-server.ts, postgres.ts, chart-repository.ts) share: a free loopback port, a child
// process that is ready only once a probe says so, a stop() that waits for the exit, and a small HTTP client.
// Every child is killed when the test worker exits, so no server outlives the suite even when a test forgets stop().
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

/** A path the servers' build (scripts/test-servers.sh, through test/global-setup.ts) put in the environment. */
export function serverEnv(name: 'VERSITYGW_BIN' | 'REGISTRY_BIN' | 'PG_BIN_DIR'): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through vitest (test/global-setup.ts)`);
  return value;
}

// Ports for test servers come from below the kernel's ephemeral range (32768–60999 by default), so no outgoing
// connection can take one between the check and the server's bind, and each vitest worker (or other process) draws
// from its own slice, so two clusters starting side by side never pick the same port. Asking the OS for port 0
// raced exactly so: a kube-scheduler once found its port taken by the other worker's cluster.
const PORT_RANGE = { first: 20_000, last: 32_767 };
const SLICES = 8;
const sliceSize = Math.floor((PORT_RANGE.last - PORT_RANGE.first + 1) / SLICES);
const slice = Number(process.env.VITEST_POOL_ID ?? process.pid) % SLICES;
let nextInSlice = Math.floor(Math.random() * sliceSize);
const handedOut = new Set<number>();

function bindable(port: number): Promise<boolean> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port free on 127.0.0.1 now and handed out once per process; the server binds it right after. */
export async function freePort(): Promise<number> {
  for (let tried = 0; tried < sliceSize; tried++) {
    const port = PORT_RANGE.first + slice * sliceSize + (nextInSlice++ % sliceSize);
    if (handedOut.has(port)) continue;
    if (await bindable(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port left in ${PORT_RANGE.first + slice * sliceSize}+${sliceSize} on 127.0.0.1`);
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface ServerProcess {
  pid: number;
  /** The last 64 KiB of the server's stdout and stderr, for error messages. */
  output(): string;
  /** Signals the server and resolves once it has exited (SIGKILL after `graceMs`). */
  stop(): Promise<void>;
}

export interface StartOptions extends Pick<SpawnOptions, 'cwd' | 'env' | 'uid' | 'gid'> {
  name: string;
  /** Resolves true once the server serves; polled until `timeoutMs`. */
  ready: (output: string) => boolean | Promise<boolean>;
  timeoutMs?: number;
  stopSignal?: NodeJS.Signals;
  graceMs?: number;
}

// The exit handler above does not run when the test worker is killed (a CI time-out, SIGKILL): through setpriv
// (util-linux) the kernel then kills the server too, as its parent-death signal. Set after any uid switch (a
// credential change clears it) and kept across exec, so it is the server itself that carries it.
const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

export async function startProcess(command: string, args: string[], opts: StartOptions): Promise<ServerProcess> {
  const [file, argv] = setpriv ? [setpriv, ['--pdeathsig', 'SIGKILL', '--', command, ...args]] : [command, args];
  const child = spawn(file, argv, {
    cwd: opts.cwd,
    env: opts.env,
    uid: opts.uid,
    gid: opts.gid,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let log = '';
  const append = (chunk: Buffer): void => {
    log = (log + chunk.toString('utf8')).slice(-65536);
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      live.delete(child);
      resolve();
    });
    child.once('error', (err) => {
      append(Buffer.from(`\n${String(err)}\n`));
      live.delete(child);
      resolve();
    });
  });
  let gone = false;
  void exited.then(() => (gone = true));

  const stop = async (): Promise<void> => {
    if (gone) return;
    child.kill(opts.stopSignal ?? 'SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.graceMs ?? 10_000);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    if (gone) throw new Error(`${opts.name} exited before it was ready:\n${log}`);
    if (
      await Promise.resolve(log)
        .then(opts.ready)
        .catch(() => false)
    )
      break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${opts.name} was not ready in ${opts.timeoutMs ?? 30_000} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { pid: child.pid!, output: () => log, stop };
}

/** Whether a process with this pid exists (a zombie counts: it is not reaped yet). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid and all its descendants now, read from /proc (PostgreSQL forks a process per task and connection). */
export function processTree(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/<pid>/stat is the parent pid; the command name before it is in parentheses.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // the process ended while we looked
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  return tree;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One request with exactly the headers given (S3 signing needs the Host header it signed); `ca` for https. */
export function request(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: Buffer | string; ca?: string } = {},
): Promise<HttpResponse> {
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      target,
      { method: opts.method ?? 'GET', headers: opts.headers, ca: opts.ca, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(15_000, () => req.destroy(new Error(`request to ${url} timed out`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}
