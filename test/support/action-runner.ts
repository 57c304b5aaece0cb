// Runs the bundled action the way the GitHub runner does: `node dist/index.js` on Node 24 with INPUT_* variables,
// GITHUB_OUTPUT / GITHUB_STATE / GITHUB_STEP_SUMMARY / GITHUB_EVENT_PATH files, then reads back what it wrote.
import { spawn } from 'node:child_process';
import { mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseFileCommands } from '../../scripts/test-env.mjs';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');
/** Node 24 from the `node` devDependency: the runtime GitHub uses for `runs.using: node24`. */
export const node24 = path.join(repoRoot, 'node_modules', '.bin', 'node');

export interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
  /** Every file the run left in RUNNER_TEMP and the output/summary files, for secret scans. */
  runnerTemp: string;
  home: string;
}

export interface RunOptions {
  inputs?: Record<string, string>;
  env?: Record<string, string>;
  eventName?: string;
  event?: unknown;
  ref?: string;
  sha?: string;
  /** Reuse a runner home (RUNNER_TEMP, RUNNER_TOOL_CACHE) across runs, as one job's steps do. */
  home?: string;
  workspace?: string;
  entry?: 'main' | 'post';
  state?: Record<string, string>;
  timeoutMs?: number;
  /** Sends SIGTERM to the bundle once its stdout matches, as the runner does when a job is cancelled. */
  sigtermWhen?: RegExp;
}

export function newRunnerHome(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'flux-runner-'));
}

export async function runAction(options: RunOptions = {}): Promise<ActionRun> {
  const home = options.home ?? newRunnerHome();
  const runnerTemp = path.join(home, 'temp');
  const workspace = options.workspace ?? path.join(home, 'workspace');
  await Promise.all(['temp', 'tool-cache', 'workspace'].map((d) => fs.mkdir(path.join(home, d), { recursive: true })));
  const files = {
    output: path.join(home, 'github_output'),
    state: path.join(home, 'github_state'),
    summary: path.join(home, 'step_summary.md'),
    event: path.join(home, 'event.json'),
  };
  await Promise.all([
    fs.writeFile(files.output, ''),
    fs.writeFile(files.state, ''),
    fs.writeFile(files.summary, ''),
    fs.writeFile(files.event, JSON.stringify(options.event ?? {})),
  ]);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    RUNNER_TEMP: runnerTemp,
    RUNNER_TOOL_CACHE: path.join(home, 'tool-cache'),
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_EVENT_NAME: options.eventName ?? 'push',
    GITHUB_REF: options.ref ?? 'refs/heads/main',
    GITHUB_SHA: options.sha ?? '0123456789abcdef0123456789abcdef01234567',
    GITHUB_REPOSITORY: 'wildside/infra',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'http://127.0.0.1:9',
    GITHUB_ACTION_PATH: repoRoot,
  };
  for (const [name, value] of Object.entries(options.inputs ?? {})) {
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  }
  for (const [name, value] of Object.entries(options.state ?? {})) env[`STATE_${name}`] = value;
  Object.assign(env, options.env);
  const script = path.join(repoRoot, 'dist', options.entry === 'post' ? 'post/index.js' : 'index.js');
  const { code, stdout, stderr } = await spawnCollect(
    node24,
    [script],
    env,
    workspace,
    options.timeoutMs ?? 300_000,
    options.sigtermWhen,
  );
  const [outputText, stateText, summary] = await Promise.all([
    fs.readFile(files.output, 'utf8'),
    fs.readFile(files.state, 'utf8'),
    fs.readFile(files.summary, 'utf8'),
  ]);
  return {
    code,
    stdout,
    stderr,
    outputs: parseFileCommands(outputText),
    state: parseFileCommands(stateText),
    summary,
    runnerTemp,
    home,
  };
}

function spawnCollect(
  command: string,
  args: string[],
  env: Record<string, string>,
  cwd: string,
  timeoutMs: number,
  sigtermWhen?: RegExp,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (sigtermWhen && !signalled && sigtermWhen.test(stdout)) {
        signalled = true;
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Every file under a directory, with its content, for scanning what a run left behind. */
export async function readTree(dir: string): Promise<{ file: string; content: string }[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  const files = entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
  return Promise.all(files.map(async (file) => ({ file, content: await fs.readFile(file, 'latin1') })));
}

/** A syntactically valid kubeconfig whose token is a recognisable secret, for leak scans. */
export function fakeKubeconfig(server = 'https://127.0.0.1:6443', token = 'kube-token-s3cr3t-0123456789'): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '  - name: test',
    `    cluster: { server: "${server}", insecure-skip-tls-verify: true }`,
    'users:',
    '  - name: test',
    `    user: { token: "${token}" }`,
    'contexts:',
    '  - name: test',
    '    context: { cluster: test, user: test }',
    'current-context: test',
    '',
  ].join('\n');
}
