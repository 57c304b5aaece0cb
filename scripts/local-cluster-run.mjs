#!/usr/bin/env node
// `npm run local`: the action's main job for real, on an embedded default. The shipped root (modules/root) against
// a Kubernetes control plane this script starts on 127.0.0.1 (test/support/cluster.ts: etcd, kube-apiserver,
// controller-manager, scheduler, kwok for the node), with the real providers, the real flux2 chart from a Helm
// repository on loopback, S3 state on versitygw, a Git server holding the fleet, and the GitHub API stand-in: the
// world test/support/flux-world.ts assembles for the end-to-end tests. Then, as on GitHub:
//   1. a pull request: tools, policy, plan, and the comment as the stand-in received it;
//   2. its merge: push to main with accept-apply, the reviewed-plan check against that comment, apply, Flux Ready;
// and where the time went. Everything it started stops at the end, on failure, Ctrl-C or SIGTERM; secrets are
// masked as on the runner (scripts/local-run.mjs maskingFilter); nothing stays in TMPDIR.
//
// The node is kwok's (no kubelet, no containers), so Flux's source- and kustomize-controller run as local processes
// once the chart's CRDs exist, as in the tests. A first run builds the tools and the cluster's binaries (tofu,
// conftest, providers, etcd, Kubernetes, Flux's controllers) from the Go module proxy: 30+ minutes; later runs find
// them in ~/.cache/flux-bootstrap-tools and start in seconds.
//
// The script re-runs itself with --experimental-transform-types (the TypeScript test support runs as it is) in its own
// process group: it forwards Ctrl-C/SIGTERM there and, once its child is gone, kills whatever that child left.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { maskingFilter } from './local-run.mjs';
import { covered, resolveTypeScriptImports, testToolEnv, toolProcesses } from './test-env.mjs';

const repo = path.resolve(import.meta.dirname, '..');
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const sec = (ms) => `${(ms / 1000).toFixed(1)} s`;
const say = (text) => process.stdout.write(`${text}\n`);

class Interrupted extends Error {}

/** The parent: runs the scenario in a child that leads its own process group, and cleans that group up. */
function supervise() {
  const flags = ['--experimental-transform-types', '--disable-warning=ExperimentalWarning', ...process.execArgv];
  const self = [fileURLToPath(import.meta.url), ...process.argv.slice(2)];
  const child = spawn(process.execPath, [...flags, ...self], {
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
  const group = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // ESRCH: nothing left in the group.
    }
  };
  for (const signal of SIGNALS) process.on(signal, () => group(signal));
  // npm's shell does not pass a SIGTERM on to this process: a parent gone is the same request to stop.
  const parent = process.ppid;
  const orphaned = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(orphaned);
    group('SIGTERM');
  }, 500).unref();
  child.on('exit', (code, signal) => {
    group('SIGKILL'); // an action run or a tool the scenario could not wait for
    process.exit(code ?? 128 + (os.constants.signals[signal] ?? 1));
  });
}

/** Masks what the runner would: the registered secrets, and the ones the script knows before the action runs. */
function terminal(secrets) {
  const filter = maskingFilter((text) => process.stdout.write(text), new Set());
  for (const secret of secrets) filter.add(secret);
  return {
    log(text) {
      filter.write(text.endsWith('\n') ? text : `${text}\n`);
      filter.end();
    },
    section(title, text) {
      say(`\n----- ${title} -----`);
      say(filter.mask(text.trimEnd()) || '(empty)');
    },
  };
}

/** The kubeconfig's secrets: the whole file, and the admin's client key and certificate, encoded and decoded. */
function kubeconfigSecrets(kubeconfig) {
  const user = JSON.parse(kubeconfig).users[0].user;
  const values = [user['client-key-data'], user['client-certificate-data']];
  return [kubeconfig, ...values, ...values.map((v) => Buffer.from(v, 'base64').toString('utf8'))];
}

/** One action run's figures: wall time, tofu and conftest (unions of their processes), the rest its own. */
function runTimes(wallMs, stdout) {
  const procs = toolProcesses(stdout);
  const union = (tool) => covered(procs.filter((p) => !tool || p.tool === tool).map((p) => p.interval));
  return { wall: wallMs, tofu: union('tofu'), conftest: union('conftest'), own: wallMs - union(), procs };
}

async function scenario() {
  const started = performance.now();
  const times = {};
  if (!existsSync(path.join(repo, 'dist', 'index.js'))) {
    process.stderr.write('local-cluster-run: dist/index.js is missing: run `npm run build` first\n');
    return 2;
  }
  let interrupted;
  const stopped = new Promise((_, reject) => {
    for (const signal of SIGNALS) process.on(signal, () => reject((interrupted ??= new Interrupted(signal))));
  });
  stopped.catch(() => {});
  const step = (promise) => Promise.race([promise, stopped]);
  // Every temporary file of the run (cluster, servers, runner home, tool cache) goes into one directory, removed at
  // the end. The mirror's release archives of the cached tools are kept beside them (rebuilt only when they change).
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'flux-bootstrap-local-'));
  // test/cluster/processes.ts ends a child's stdin without listening for errors: a git that exits before its empty
  // input is written raises EPIPE there. Harmless (the exit code decides), so only that error is ignored; on any
  // other, the cluster's processes go with this one (their guard sees it die) and the parent kills the rest.
  process.on('uncaughtException', (error) => {
    if (error?.code === 'EPIPE' && error.syscall === 'write') return;
    process.stderr.write(`local-cluster-run: ${error?.stack ?? error}\n`);
    rmSync(tmp, { recursive: true, force: true });
    process.exit(1);
  });
  let world;
  let starting;
  // The action runs going on: on a signal, they are waited for (their process group got it too) before the
  // directory they write into goes. `waitFor` is what the scenario itself awaits (default: the run).
  const inFlight = new Set();
  const track = (run, waitFor = run) => {
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run)).catch(() => {});
    return step(waitFor);
  };
  let out;
  let status = 1;
  try {
    say('npm run local: the shipped root (modules/root) on a local Kubernetes control plane, pull request then merge.');
    say(
      'tools: scripts/test-tools.sh; a first run builds tofu, conftest, the providers and the cluster from the Go ' +
        'module proxy (30+ min), later runs reuse ~/.cache/flux-bootstrap-tools …',
    );
    let t = performance.now();
    const toolEnv = testToolEnv();
    times.tools = performance.now() - t;
    if (interrupted) throw interrupted;
    Object.assign(process.env, toolEnv, { TMPDIR: tmp });
    const archives = path.join(toolEnv.FLUX_TOOLS_DIR, 'release-mirror-archives');
    mkdirSync(archives, { recursive: true });
    symlinkSync(archives, path.join(tmp, 'flux-bootstrap-release-mirror'));
    await resolveTypeScriptImports();
    const fw = await import(pathToFileURL(path.join(repo, 'test', 'support', 'flux-world.ts')).href);

    say('starting: Kubernetes control plane, Git server with the fleet, flux2 chart repository, S3 state, GitHub API');
    t = performance.now();
    starting = fw.startFluxWorld({
      fleet: { 'clusters/dev/greeting.yaml': fw.configMap('fleet-dev', 'hello from dev') },
      inputs: fw.devWorldInputs,
    });
    world = await step(starting);
    times.startup = performance.now() - t;
    times.cluster = world.cluster.timings.total;
    out = terminal([...kubeconfigSecrets(world.kubeconfig), world.github.installationToken()]);
    say(`  ready in ${sec(times.startup)} (control plane to a Ready node ${sec(times.cluster)})`);

    say('\n===== 1. pull request #1 (pull_request): node dist/index.js =====');
    t = performance.now();
    const pr = await track(world.pullRequest(1));
    times.pr = runTimes(performance.now() - t, pr.stdout);
    out.log(pr.stdout + pr.stderr);
    const [comment] = world.github.comments(fw.OWNER, fw.REPO, 1);
    out.section(`the comment on pull request #1, as the GitHub API received it`, comment?.body ?? '(none posted)');
    out.section('outputs', outputsText(pr.outputs));
    if (pr.code !== 0 || pr.outputs['plan-exitcode'] !== '2' || !comment) {
      throw new Error(`the pull request run failed (exit ${pr.code}, plan-exitcode ${pr.outputs['plan-exitcode']})`);
    }

    say('\n===== 2. merge of #1: push to main, accept-apply true, the reviewed plan checked =====');
    t = performance.now();
    // As in the end-to-end tests: Flux's controllers start once the chart's CRDs are Established.
    const mergeRun = world.merge(1, pr.headSha);
    const [merge] = await track(mergeRun, Promise.all([mergeRun, world.fluxControllersAfterChart()]));
    times.merge = runTimes(performance.now() - t, merge.stdout);
    // The health stage's wait: from the end of the run's last tool process (`tofu output`) to the run's exit.
    const lastTool = Math.max(0, ...times.merge.procs.map((p) => p.interval[1]));
    times.merge.health = times.merge.wall - lastTool;
    out.log(merge.stdout + merge.stderr);
    out.section('job summary', merge.summary);
    out.section('outputs', outputsText(merge.outputs));
    const flux = await step(
      world.cluster.kubectl([
        'get',
        'gitrepositories.source.toolkit.fluxcd.io,kustomizations.kustomize.toolkit.fluxcd.io',
        '--namespace=flux-system',
      ]),
    );
    const greeting = await step(world.cluster.kubectl(['get', 'configmap', 'fleet-dev', '--namespace=default']));
    out.section('Flux in the cluster (kubectl get --namespace=flux-system)', flux);
    out.section('applied by Flux from Git: clusters/dev/greeting.yaml', greeting);
    if (merge.code !== 0 || merge.outputs.applied !== 'true' || !merge.summary.includes('**Flux is ready.**')) {
      throw new Error(`the merge run failed (exit ${merge.code}, applied ${merge.outputs.applied})`);
    }
    say('\nresult: planned, commented, applied on merge, Flux Ready.');
    status = 0;
  } catch (error) {
    if (error instanceof Interrupted) {
      say(`\ninterrupted (${error.message}): stopping everything`);
      status = 128 + os.constants.signals[error.message];
    } else say(`\nlocal run failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    const t = performance.now();
    world ??= await starting?.catch(() => undefined);
    const pids = world ? running(world) : [];
    const urls = world ? servers(world) : [];
    // An action run still going (interrupted) ends with its process group's signal: wait for it, not for ever.
    const unfinished = await Promise.race([
      Promise.allSettled([...inFlight]),
      new Promise((r) => setTimeout(r, 30_000).unref()),
    ]);
    for (const { value } of unfinished ?? []) if (value) out?.log(`${value.stdout}${value.stderr}`);
    await world?.stop().catch((error) => say(`stopping the local world failed: ${error.message}`));
    rmSync(tmp, { recursive: true, force: true });
    times.stop = performance.now() - t;
    times.total = performance.now() - started;
    printTimes(times);
    const alive = pids.filter(({ pid }) => isRunning(pid));
    say(`\nstopped ${pids.length} processes: ${pids.map((p) => `${p.name} (pid ${p.pid})`).join(', ') || 'none'}`);
    say(`closed ${urls.length} servers: ${urls.join(' ') || 'none'}`);
    if (alive.length > 0) {
      say(`still running: ${alive.map((p) => `${p.name} (pid ${p.pid})`).join(', ')}`);
      status = 1;
    }
  }
  return status;
}

const outputsText = (outputs) =>
  Object.entries(outputs)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');

/** The processes of the world: the cluster's (the Flux controllers included), the Git and S3 servers. */
function running(world) {
  return [
    ...world.cluster.processes.map((p) => ({ name: p.name, pid: p.pid })),
    { name: 'git-server', pid: world.git.process.pid },
    { name: 's3-server', pid: world.s3.pid },
  ];
}

function servers(world) {
  return [world.cluster.server, world.git.baseUrl, world.helmRepo.url, world.s3.endpoint, world.github.url];
}

function isRunning(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function printTimes(t) {
  const run = (r, extra = '') =>
    `${sec(r.wall)}: tofu ${sec(r.tofu)}, conftest ${sec(r.conftest)}${extra}, the action's own ` +
    `${sec(r.own - (r.health ?? 0))} (${r.procs.length} tool processes)`;
  const rows = [
    ['tools (scripts/test-tools.sh)', t.tools !== undefined && sec(t.tools)],
    ['start-up (cluster, servers)', t.startup && `${sec(t.startup)}, control plane to a Ready node ${sec(t.cluster)}`],
    ['pull request run', t.pr && run(t.pr)],
    ['merge run', t.merge && run(t.merge, `, health wait for Flux ${sec(t.merge.health)}`)],
    ['stop', sec(t.stop)],
    ['total', sec(t.total)],
  ];
  say('\n===== where the time went =====');
  for (const [what, value] of rows) if (value) say(`  ${what.padEnd(30)} ${value}`);
}

const invoked = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invoked) {
  // Exits at once: nothing is left to wait for (pipes to the terminal are written synchronously).
  if (process.execArgv.includes('--experimental-transform-types')) process.exit(await scenario());
  else supervise();
}
