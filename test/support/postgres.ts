// A real, throwaway PostgreSQL server for OpenTofu's pg backend: initdb into a temporary directory, listening on
// 127.0.0.1 (a free port) with its unix socket in the same directory, trust authentication (nothing but this
// machine can reach it, and it lives for one suite). PostgreSQL refuses to run as root, so when the tests are root
// (CI here is) initdb and postgres run as `nobody`: spawn's uid/gid switch (libuv drops supplementary groups too),
// with the directory handed to that user first. PG_BIN_DIR comes from scripts/test-servers.sh.
import { execFile } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, serverEnv, startProcess } from './server-process.js';

const run = promisify(execFile);

export interface PostgresServer {
  /** postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable: the pg backend's conn_str. */
  connStr: string;
  port: number;
  /** The postmaster's pid; its children are the server's other processes. */
  pid: number;
  dataDir: string;
  stop(): Promise<void>;
}

/** uid and gid of `nobody` from /etc/passwd when we are root (postgres will not run as root), else nothing. */
function unprivileged(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('nobody:'));
  if (!line) throw new Error('postgres: running as root, and there is no user "nobody" to run the server as');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = serverEnv('PG_BIN_DIR');
  const user = unprivileged();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flux-pg-'));
  const dataDir = path.join(dir, 'data');
  if (user) await fs.chown(dir, user.uid, user.gid);
  // A minimal environment: the server must not pick up the machine's PG* settings or a locale it lacks.
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C', LC_ALL: 'C', HOME: dir };

  await run(
    path.join(bin, 'initdb'),
    ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-sync'],
    { env, uid: user?.uid, gid: user?.gid },
  );

  const port = await freePort();
  const server = await startProcess(
    path.join(bin, 'postgres'),
    // prettier-ignore
    [
      '-D', dataDir, '-p', String(port), '-k', dir,
      '-c', 'listen_addresses=127.0.0.1',
      // Throwaway data: durability costs time and buys nothing here.
      '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
    ],
    {
      name: 'postgres',
      env,
      uid: user?.uid,
      gid: user?.gid,
      ready: (log) => log.includes('database system is ready to accept connections'),
      // SIGINT is PostgreSQL's "fast" shutdown: roll back open sessions and exit (SIGTERM waits for clients).
      stopSignal: 'SIGINT',
    },
  );

  return {
    connStr: `postgres://postgres@127.0.0.1:${port}/postgres?sslmode=disable`,
    port,
    pid: server.pid,
    dataDir,
    async stop() {
      await server.stop();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
