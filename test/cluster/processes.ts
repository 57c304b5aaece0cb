// Long-running child processes for the test cluster: each runs under `guard` (test/cluster/helpers/cmd/guard) as
// the leader of its own process group, with its output in a log file. Nothing outlives the test process: stop()
// kills the group, an 'exit' handler kills every group still running, and if this process dies without running
// it (SIGKILL, a killed vitest worker) the kernel closes guard's stdin pipe and guard kills its group itself.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, promises as fs } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '../support/server-process.js';

export interface Managed {
  name: string;
  pid: number;
  logPath: string;
  /** Settles with the exit code (or the signal's name) when the process ends. */
  exited: Promise<number | string>;
  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
  /** The first line the process printed on stdout, when started with `readyLine`. */
  firstLine?: string;
}

export interface StartOptions {
  /** Directory for the log file `<name>.log`. */
  logDir: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Wait for one line on stdout (a readiness announcement) and keep it as `firstLine`. */
  readyLine?: boolean;
}

const running = new Set<Managed>();
let exitHookInstalled = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Synchronous by necessity: 'exit' handlers cannot wait.
  process.on('exit', () => {
    for (const p of running) killGroup(p.pid, 'SIGKILL');
  });
}

export function guardBinary(): string {
  return path.join(clusterBin(), 'guard');
}

export function clusterBin(): string {
  const bin = process.env.FLUX_CLUSTER_BIN;
  if (!bin) throw new Error('FLUX_CLUSTER_BIN is not set: run the tests through vitest (test/global-setup.ts)');
  return bin;
}

/** Starts `bin args` under guard in a new process group, output appended to `<logDir>/<name>.log`. */
export async function startManaged(name: string, bin: string, args: string[], opts: StartOptions): Promise<Managed> {
  installExitHook();
  const logPath = path.join(opts.logDir, `${name}.log`);
  const fd = openSync(logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(guardBinary(), [bin, ...args], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      detached: true,
      stdio: ['pipe', opts.readyLine ? 'pipe' : fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  await spawned;
  const pid = child.pid!;
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  // Neither the child nor its pipes keep the test process alive: the exit hook and guard clean up after it.
  child.unref();
  (child.stdin as unknown as net.Socket).unref();
  const managed: Managed = {
    name,
    pid,
    logPath,
    exited,
    stop: async (graceMs = 5000) => {
      killGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      killGroup(pid, 'SIGKILL'); // anything the process started and left behind in its group
      running.delete(managed);
    },
  };
  running.add(managed);
  void exited.then(() => running.delete(managed));
  if (opts.readyLine) {
    const stdout = child.stdout as net.Socket;
    const lines = createInterface({ input: stdout });
    const first = await Promise.race([
      new Promise<string>((resolve) => lines.once('line', resolve)),
      exited.then((code) => Promise.reject(new Error(`${name} exited (${code}) before it was ready`))),
    ]).catch(async (err: Error) => {
      await managed.stop();
      throw new Error(`${err.message}\n${await logTail(logPath)}`);
    });
    managed.firstLine = first;
    lines.on('line', () => {}); // later output is not needed, only drained
    stdout.unref();
  }
  return managed;
}

/** The last lines of a log file, headed by its name, for failure messages. */
export async function logTail(logPath: string, lines = 30): Promise<string> {
  const text = await fs.readFile(logPath, 'utf8').catch(() => '');
  const tail = text.trimEnd().split('\n').slice(-lines).join('\n');
  return `--- ${path.basename(logPath)} (last ${lines} lines) ---\n${tail}`;
}

/**
 * Polls `probe` every `intervalMs` until it returns a value other than undefined. Fails early if one of `watch`
 * exits meanwhile: a crashed server must not look like a slow one. Callers add the log tails to the error.
 */
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { timeoutMs = 60_000, intervalMs = 100, watch = [] as Managed[] } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let died: { p: Managed; code: number | string } | undefined;
  for (const p of watch) void p.exited.then((code) => (died ??= { p, code }));
  let lastError = '';
  for (;;) {
    if (died) throw new Error(`${died.p.name} exited (${died.code}) while waiting for ${what}`);
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** HTTP(S) GET status of `url`, or undefined when the connection fails. */
export function httpStatus(url: string, tls: https.RequestOptions = {}): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = (url.startsWith('https:') ? https : http).get(url, { ...tls, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs a short command to completion; rejects with its stderr when it fails. */
export function run(bin: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
  return new Promise<RunResult>((resolve, reject) => {
    const child = execFile(
      bin,
      args,
      { env: opts.env ?? process.env, cwd: opts.cwd, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${path.basename(bin)} ${args.join(' ')}: ${stderr.trim() || err.message}`));
        else resolve({ stdout, stderr });
      },
    );
    // A child that exits before reading its input (git often does) closes the pipe: the exit code tells, not EPIPE.
    child.stdin?.on('error', () => {});
    child.stdin?.end(opts.input ?? '');
  });
}

export { freePort };
