// A real Git server for the tests: test/cluster/helpers/cmd/git-server (Git's git-http-backend behind Go's CGI
// handler, over HTTPS with a CA it makes) serving bare repositories from a temporary directory on 127.0.0.1.
// Commits are written straight into the bare repositories with Git's plumbing, so no work tree is needed.
import { mkdtempSync, promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clusterBin, run, startManaged, type Managed } from './processes.js';

export interface GitServerOptions {
  /** HTTP basic auth every request must carry (a private server). */
  auth?: { username: string; password: string };
  /** Directory for repositories, the CA and the log; a new temporary one by default (removed by stop()). */
  dir?: string;
}

export interface GitServer {
  /** Base URL, `https://127.0.0.1:<port>`. */
  baseUrl: string;
  /** Clone URL of a repository (created by its first commit). */
  url(repo: string): string;
  /** PEM of the CA that signed the server's certificate (a GitRepository secret's `ca.crt`). */
  caPem: string;
  caFile: string;
  /** Adds or overwrites `files` (path → content) on top of `branch` (default main); resolves with the commit SHA. */
  commit(repo: string, files: Record<string, string>, branch?: string): Promise<string>;
  process: Managed;
  stop(): Promise<void>;
}

// Git reads no user or system configuration here, so a developer's settings cannot change what tests see.
const gitEnv: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'flux-bootstrap tests',
  GIT_AUTHOR_EMAIL: 'tests@example.invalid',
  GIT_COMMITTER_NAME: 'flux-bootstrap tests',
  GIT_COMMITTER_EMAIL: 'tests@example.invalid',
};

async function git(repoDir: string, args: string[], input?: string, env = gitEnv): Promise<string> {
  const { stdout } = await run('git', ['--git-dir', repoDir, ...args], { input, env });
  return stdout.trim();
}

export async function startGitServer(opts: GitServerOptions = {}): Promise<GitServer> {
  const dir = opts.dir ?? mkdtempSync(path.join(os.tmpdir(), 'flux-git-'));
  const root = path.join(dir, 'repos');
  await fs.mkdir(root, { recursive: true });
  const caFile = path.join(dir, 'ca.crt');
  const env = { ...process.env };
  // The credentials travel in the environment, not in arguments that `ps` shows.
  if (opts.auth) env.GIT_SERVER_AUTH = `${opts.auth.username}:${opts.auth.password}`;
  else delete env.GIT_SERVER_AUTH;
  const proc = await startManaged(
    'git-server',
    path.join(clusterBin(), 'git-server'),
    ['--root', root, '--ca-out', caFile, '--addr', '127.0.0.1:0'],
    { logDir: dir, env, readyLine: true },
  );
  const { url: baseUrl } = JSON.parse(proc.firstLine!) as { url: string };
  const caPem = readFileSync(caFile, 'utf8');
  // One commit at a time per server: two writers of the same temporary index would mix their trees.
  let queue: Promise<unknown> = Promise.resolve();

  async function commitNow(repo: string, files: Record<string, string>, branch: string): Promise<string> {
    const repoDir = path.join(root, `${repo}.git`);
    const ref = `refs/heads/${branch}`;
    const fresh = !(await fs.stat(repoDir).catch(() => undefined));
    if (fresh) await run('git', ['init', '--quiet', '--bare', '--initial-branch', branch, repoDir], { env: gitEnv });
    const parent = await git(repoDir, ['rev-parse', '--verify', '--quiet', ref]).catch(() => '');
    const env = { ...gitEnv, GIT_INDEX_FILE: path.join(dir, `${repo}.index`) };
    await git(repoDir, parent ? ['read-tree', parent] : ['read-tree', '--empty'], undefined, env);
    for (const [file, content] of Object.entries(files)) {
      const blob = await git(repoDir, ['hash-object', '-w', '--stdin'], content, env);
      await git(repoDir, ['update-index', '--add', '--cacheinfo', `100644,${blob},${file}`], undefined, env);
    }
    const tree = await git(repoDir, ['write-tree'], undefined, env);
    const message = `Update ${Object.keys(files).join(', ')}`;
    const commit = await git(repoDir, ['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-m', message]);
    await git(repoDir, ['update-ref', ref, commit, ...(parent ? [parent] : [])]);
    return commit;
  }

  return {
    baseUrl,
    url: (repo) => `${baseUrl}/${repo}.git`,
    caPem,
    caFile,
    commit: (repo, files, branch = 'main') => {
      const next = queue.then(() => commitNow(repo, files, branch));
      queue = next.catch(() => undefined);
      return next;
    },
    process: proc,
    stop: async () => {
      await proc.stop();
      if (!opts.dir) await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
