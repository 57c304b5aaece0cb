// `npm run local`, the README's main-job line, run as a user runs it (npm, a child process): the shipped root on the
// project's own local control plane, a pull request then its merge. What it must do, read from what it prints and
// checked against the machine: the comment with the shipped root's plan, the apply behind the reviewed-plan check,
// Flux Ready in the cluster, the timings; no secret on the terminal; nothing running and nothing in TMPDIR after —
// also when it is stopped with SIGTERM half-way.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCommentMetadata } from '../src/report/comment.js';
import { repoRoot } from './support/action-runner.js';

interface NpmRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  leftInTmp: string[];
}

/**
 * Runs `npm run local` with its own TMPDIR; `stopWhen` sends SIGTERM to npm once stdout matches. Resolves once the
 * output pipes close: when every process that holds them (npm's and the script's) is gone.
 */
function npmRunLocal(stopWhen?: RegExp): Promise<NpmRun> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'flux-npm-local-'));
  const child = spawn('npm', ['run', 'local'], {
    cwd: repoRoot,
    env: { ...process.env, TMPDIR: tmp },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let stopped = false;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (stopWhen && !stopped && stopWhen.test(stdout)) {
      stopped = true;
      child.kill('SIGTERM');
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('exit', (code, signal) => resolve([code, signal])),
  );
  const closed = Promise.all([
    new Promise((resolve) => child.stdout.on('close', resolve)),
    new Promise((resolve) => child.stderr.on('close', resolve)),
  ]);
  return Promise.all([exited, closed]).then(([[code, signal]]) => {
    // npm's own cache of compiled JavaScript (its cli.js enables Node's compile cache in TMPDIR), not the run's.
    const leftInTmp = readdirSync(tmp).filter((name) => name !== 'node-compile-cache');
    rmSync(tmp, { recursive: true, force: true });
    return { code, signal, stdout, stderr, leftInTmp };
  });
}

/** The pids the run reports it stopped, and the loopback ports of the servers it closed. */
function reported(stdout: string): { pids: number[]; ports: number[] } {
  const processes = /^stopped \d+ processes: (.*)$/m.exec(stdout)?.[1] ?? '';
  const servers = /^closed \d+ servers: (.*)$/m.exec(stdout)?.[1] ?? '';
  return {
    pids: [...processes.matchAll(/\(pid (\d+)\)/g)].map((m) => Number(m[1])),
    ports: [...servers.matchAll(/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1])),
  };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const refused = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });

/** Between the `----- title -----` line and the next section or part. */
function section(stdout: string, title: string): string {
  const start = stdout.indexOf(`----- ${title}`);
  expect(start, title).toBeGreaterThan(-1);
  const body = stdout.slice(stdout.indexOf('\n', start) + 1);
  return body.slice(0, body.search(/^(-----|=====) /m));
}

function expectNoSecret(printed: string): void {
  expect(printed).not.toContain('::add-mask::');
  expect(printed).not.toContain('PRIVATE KEY'); // the admin's client key, in the kubeconfig input
  expect(printed).not.toContain('ghs_installation'); // the GitHub token the stand-in issued
  expect(printed).not.toMatch(/[A-Za-z0-9+/]{200,}/); // the kubeconfig's base64 certificate and key data
}

async function expectAllGone(stdout: string, processCount: number): Promise<void> {
  const { pids, ports } = reported(stdout);
  expect(pids).toHaveLength(processCount);
  expect(pids.filter(isRunning)).toEqual([]);
  expect(ports).toHaveLength(5);
  expect(await Promise.all(ports.map(refused))).toEqual(ports.map(() => true));
  expect(stdout).not.toMatch(/^still running:/m);
}

describe('npm run local', () => {
  it('plans the shipped root on a pull request, comments, applies on merge and waits for Flux, timed', async () => {
    const run = await npmRunLocal();
    expect(run.code, run.stdout.slice(-4000) + run.stderr).toBe(0);

    const comment = section(run.stdout, 'the comment on pull request #1, as the GitHub API received it');
    expect(parseCommentMetadata(comment)).toMatchObject({ target: 'dev', status: 'planned' });
    expect(comment).toContain('**Plan:** 3 to add, 0 to change, 0 to destroy');
    for (const address of ['helm_release.flux', 'kubectl_manifest.git_repository', 'kubectl_manifest.kustomization'])
      expect(comment).toContain(`- \`module.flux[0].${address}\``);
    expect(comment).toContain('On merge to main: this plan will be applied');

    const summary = section(run.stdout, 'job summary');
    expect(summary).toContain('- Reviewed plan: match.');
    expect(summary).toContain("**Applied this run's saved plan.**");
    expect(summary).toContain('**Flux is ready.**');
    const [prOutputs, mergeOutputs] = run.stdout.split('----- outputs -----').slice(1);
    expect(prOutputs).toMatch(/^applied: false$/m);
    expect(mergeOutputs).toMatch(/^applied: true$/m);

    // What kubectl saw in the cluster after the run: both Flux objects Ready, the fleet's ConfigMap applied.
    const flux = section(run.stdout, 'Flux in the cluster');
    expect(flux).toMatch(/^gitrepository\.source\.toolkit\.fluxcd\.io\/flux-system .* True /m);
    expect(flux).toMatch(/^kustomization\.kustomize\.toolkit\.fluxcd\.io\/flux-system .* True /m);
    expect(section(run.stdout, 'applied by Flux from Git')).toMatch(/^fleet-dev /m);

    const times = run.stdout.slice(run.stdout.indexOf('===== where the time went ====='));
    const s = String.raw`\d+\.\d s`;
    expect(times).toMatch(new RegExp(`^  tools \\(scripts/test-tools\\.sh\\) +${s}$`, 'm'));
    expect(times).toMatch(
      new RegExp(`^  start-up \\(cluster, servers\\) +${s}, control plane to a Ready node ${s}$`, 'm'),
    );
    expect(times).toMatch(
      new RegExp(`^  pull request run +${s}: tofu ${s}, conftest ${s}, the action's own ${s}`, 'm'),
    );
    expect(times).toMatch(new RegExp(`^  merge run +${s}: tofu ${s}, conftest ${s}, health wait for Flux ${s}, `, 'm'));
    expect(times).toMatch(new RegExp(`^  total +${s}$`, 'm'));

    expectNoSecret(run.stdout + run.stderr);
    // The control plane's five, Flux's two controllers, the Git and S3 servers.
    await expectAllGone(run.stdout, 9);
    expect(run.leftInTmp).toEqual([]);
  }, 600_000);

  it('stops everything it started when npm gets SIGTERM half-way', async () => {
    const run = await npmRunLocal(/^===== 1\. pull request/m);
    expect(run.signal ?? run.code).not.toBe(0);
    expect(run.stdout).toContain('interrupted (SIGTERM): stopping everything');
    expect(run.stdout).not.toContain('result: planned');
    expectNoSecret(run.stdout + run.stderr);
    await expectAllGone(run.stdout, 7);
    expect(run.leftInTmp).toEqual([]);
  }, 600_000);
});
