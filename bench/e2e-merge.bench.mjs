#!/usr/bin/env node
// Benchmark (not a test): scenario b of issue 12 — a pull request run, then the run of its merge to main (apply,
// then the health stage waiting until Flux is Ready) — of `node dist/index.js` on a fresh real cluster each time,
// with the flux2 chart, Flux's own controllers, S3 state and the GitHub API stand-in of test/support/flux-world.ts
// (exactly what test/e2e-lifecycle.test.ts runs). Prints medians over N fresh worlds of:
//   - the whole PR → Ready wall time (both runs), and each run's;
//   - the action's own time: each run's wall time minus the union of the tofu/conftest intervals it logs as
//     `::debug::process …` lines (as bench/overhead.bench.mjs reads them), with and without the health wait;
//   - tofu's time (union of its intervals) and conftest's;
//   - the health stage's wait for Flux: from the end of the merge run's last tool process (`tofu output`, read
//     just before the wait) to the run's exit, so it includes the few milliseconds of summary writing after it;
//   - the start-up of the cluster (control plane to a Ready node) and of the whole world.
//
//   npm run build && node_modules/.bin/node bench/e2e-merge.bench.mjs [--runs N]
//
// The TypeScript test support runs as it is, not bundled (it finds dist/ and the repository through
// import.meta.dirname): Node 24 transforms it (--experimental-transform-types, for the GitHub stand-in's parameter
// properties; the script re-runs itself with it) and a resolve hook maps `.js` specifiers to `.ts`.
import { spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { covered, median, resolveTypeScriptImports, testToolEnv, toolProcesses } from '../scripts/test-env.mjs';

if (!process.execArgv.includes('--experimental-transform-types')) {
  const flags = ['--experimental-transform-types', '--disable-warning=ExperimentalWarning', ...process.execArgv];
  const self = [fileURLToPath(import.meta.url), ...process.argv.slice(2)];
  process.exit(spawnSync(process.execPath, [...flags, ...self], { stdio: 'inherit' }).status ?? 1);
}

const repo = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, not ${values.runs}`);

await resolveTypeScriptImports();

// test/cluster/processes.ts run() ends a child's stdin without listening for errors: a git that exits before its
// empty input is written raises EPIPE there, which would end the benchmark. Harmless (the exit code decides), so
// that one error is ignored; any other uncaught error still ends the process.
process.on('uncaughtException', (error) => {
  if (error?.code === 'EPIPE' && error.syscall === 'write') return;
  console.error(error);
  process.exit(1);
});

// The cluster binaries, CRDs, tools and provider mirror, as test/global-setup.ts hands them to the tests.
Object.assign(process.env, testToolEnv());
const world = await import(pathToFileURL(path.join(repo, 'test', 'support', 'flux-world.ts')).href);

/** The tool processes a run logged (scripts/test-env.mjs toolProcesses); none means dist/ predates the timings. */
function processes(stdout) {
  const found = toolProcesses(stdout);
  if (found.length === 0) throw new Error('no process timings in the log: is dist/ built from the current src/?');
  return found;
}

async function timed(step) {
  const started = performance.now();
  const value = await step();
  return { value, ms: performance.now() - started };
}

/** One fresh world: start-up, the pull request run, the merge run; the figures of both runs. */
async function scenario() {
  const startup = await timed(() =>
    world.startFluxWorld({
      fleet: { 'clusters/dev/greeting.yaml': world.configMap('fleet-dev', 'hello from dev') },
      inputs: world.devWorldInputs,
    }),
  );
  const w = startup.value;
  let leftovers = [];
  try {
    const pr = await timed(() => w.pullRequest(1));
    // The world keeps its runner home and tool cache (tofu and conftest, ~190 MB): removed after it stops.
    const toolCache = /^::debug::process (\S*\/flux-toolcache-[^/\s]+)\//m.exec(pr.value.stdout)?.[1];
    leftovers = [pr.value.home, toolCache].filter(Boolean);
    if (pr.value.code !== 0 || pr.value.outputs['plan-exitcode'] !== '2')
      throw new Error(`the pull request run failed (${pr.value.code}):\n${pr.value.stdout.slice(-4000)}`);
    // As in the end-to-end test: the harness starts Flux's controllers once the chart's CRDs are there.
    const mergeStarted = Date.now();
    const merge = await timed(
      async () => (await Promise.all([w.merge(1, pr.value.headSha), w.fluxControllersAfterChart()]))[0],
    );
    const run = merge.value;
    if (run.code !== 0 || run.outputs.applied !== 'true' || !run.summary.includes('**Flux is ready.**'))
      throw new Error(`the merge run failed (${run.code}):\n${run.summary}\n${run.stdout.slice(-4000)}`);
    const greeting = await w.cluster.kubectl(['get', 'configmap', 'fleet-dev', '--namespace=default', '-o', 'name']);
    if (greeting.trim() !== 'configmap/fleet-dev') throw new Error('Flux did not apply the ConfigMap from Git');

    const both = [
      { wall: pr.ms, procs: processes(pr.value.stdout) },
      { wall: merge.ms, procs: processes(run.stdout) },
    ];
    const union = (procs, tool) => covered(procs.filter((p) => !tool || p.tool === tool).map((p) => p.interval));
    const lastEnd = Math.max(...both[1].procs.map((p) => p.interval[1]));
    const health = merge.ms - lastEnd;
    // When Flux itself says it became Ready (its conditions' lastTransitionTime, to the second), from the wait's start.
    const readySince = async (resource) => {
      const obj = JSON.parse(await w.cluster.kubectl(['get', resource, '--namespace=flux-system', '-o', 'json']));
      return Date.parse(obj.status.conditions.find((c) => c.type === 'Ready').lastTransitionTime);
    };
    const fluxReady = Math.max(
      await readySince('gitrepository/flux-system'),
      await readySince('kustomization/flux-system'),
    );
    const [ownPr, ownMerge] = both.map((r) => r.wall - union(r.procs));
    return {
      worldStartup: startup.ms,
      clusterStartup: w.cluster.timings.total,
      pr: pr.ms,
      merge: merge.ms,
      total: pr.ms + merge.ms,
      own: ownPr + ownMerge,
      ownWithoutHealth: ownPr + ownMerge - health,
      ownPr,
      ownMerge: ownMerge - health,
      tofu: both.reduce((sum, r) => sum + union(r.procs, 'tofu'), 0),
      conftest: both.reduce((sum, r) => sum + union(r.procs, 'conftest'), 0),
      health,
      fluxReady: fluxReady - (mergeStarted + lastEnd),
      lastTool: both[1].procs.at(-1).command,
      processCount: both.map((r) => r.procs.length),
    };
  } finally {
    await w.stop();
    await Promise.all(leftovers.map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(', ');
console.log(
  `scenario b benchmark: ${runs} fresh worlds, ${os.cpus().length} CPUs, load average ${load()} at the start`,
);
const samples = [];
const sec = (ms) => `${(ms / 1000).toFixed(2)} s`;
for (let i = 0; i < runs; i++) {
  const s = await scenario();
  samples.push(s);
  console.log(
    `  run ${i + 1}: PR ${sec(s.pr)} + merge ${sec(s.merge)} = ${sec(s.total)}; own ${sec(s.own)}, of which the ` +
      `health wait ${sec(s.health)} (after ${s.lastTool}; Flux Ready ${sec(s.fluxReady)} into it), PR ${sec(s.ownPr)}, merge ${sec(s.ownMerge)}; ` +
      `tofu ${sec(s.tofu)}, conftest ${sec(s.conftest)} (${s.processCount.join(' + ')} processes); ` +
      `cluster ${sec(s.clusterStartup)}, world ${sec(s.worldStartup)}; load ${load()}`,
  );
}
const med = (key) => sec(median(samples.map((s) => s[key])));
const rows = [
  ['PR → Ready, wall time (both runs)', `${med('total')} (PR ${med('pr')}, merge ${med('merge')})`],
  ["the action's own time (wall − tool time)", med('own')],
  ['  of which the health stage waiting for Flux', `${med('health')} (Flux Ready ${med('fluxReady')} into it, ±1 s)`],
  ['  and the rest', `${med('ownWithoutHealth')} (PR ${med('ownPr')}, merge ${med('ownMerge')})`],
  ['tofu (union of its processes, both runs)', `${med('tofu')} (conftest ${med('conftest')})`],
  ['cluster start-up (control plane to a Ready node)', `${med('clusterStartup')} (whole world ${med('worldStartup')})`],
];
console.log(`medians over ${runs}:`);
for (const [what, value] of rows) console.log(`  ${what.padEnd(50)} ${value}`);
console.log(`load average at the end: ${load()}`);
