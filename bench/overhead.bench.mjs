#!/usr/bin/env node
// Benchmark (not a test): the action's own overhead on a no-change run — the wall time of `node dist/index.js`
// minus the time covered by the tofu and conftest processes it starts (union of their intervals, which the action
// logs as debug lines) — as a median over repeated runs with a warm tool cache, and as a ratio to `node -e 0`.
// Target: under 0.3 s.
//
//   npm run build && node bench/overhead.bench.mjs [--runs N]
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { covered, median, startLoopbackMirror, testToolEnv } from '../scripts/test-env.mjs';

const repo = path.resolve(import.meta.dirname, '..');
const node24 = path.join(repo, 'node_modules', '.bin', 'node');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '11' } } });
const runs = Number(values.runs);

const toolEnv = testToolEnv();

function runAction(work, mirror, i) {
  const home = path.join(work, `run-${i}`);
  const workspace = path.join(home, 'workspace');
  for (const dir of ['temp', 'workspace']) mkdirSync(path.join(home, dir), { recursive: true });
  cpSync(path.join(repo, 'test', 'fixtures', 'roots', 'no-changes'), path.join(workspace, 'config'), {
    recursive: true,
  });
  const files = Object.fromEntries(['output', 'state', 'summary', 'event'].map((n) => [n, path.join(home, n)]));
  for (const [n, f] of Object.entries(files)) writeFileSync(f, n === 'event' ? '{}' : '');
  const kubeconfig = 'apiVersion: v1\nclusters: []\nusers: []\ncontexts: []\n';
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    RUNNER_TEMP: path.join(home, 'temp'),
    RUNNER_TOOL_CACHE: path.join(work, 'tool-cache'),
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_EVENT_NAME: 'push',
    GITHUB_REF: 'refs/heads/bench',
    GITHUB_REPOSITORY: 'wildside/bench',
    TF_CLI_CONFIG_FILE: toolEnv.FLUX_TOFURC,
    FLUX_BOOTSTRAP_OPENTOFU_SIGNING_KEY: mirror.signingKeyArmored,
    'INPUT_GIT-URL': 'https://github.com/wildside/fleet',
    INPUT_KUBECONFIG: kubeconfig,
    'INPUT_WORKING-DIRECTORY': 'config',
    'INPUT_TOOL-MIRROR-URL': mirror.url,
    INPUT_COMMENT: 'false',
  };
  const started = process.hrtime.bigint();
  const result = spawnSync(node24, [path.join(repo, 'dist', 'index.js')], { env, encoding: 'utf8' });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`run ${i} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  const intervals = [...result.stdout.matchAll(/^::debug::process .* after ([\d.]+) ms \(from ([\d.]+) ms\)$/gm)].map(
    (m) => [Number(m[2]), Number(m[2]) + Number(m[1])],
  );
  if (intervals.length === 0) throw new Error('no process timings in the log: is dist/ built from the current src/?');
  return { wallMs, toolMs: covered(intervals), processes: intervals.length };
}

const work = mkdtempSync(path.join(os.tmpdir(), 'flux-bench-overhead-'));
const mirror = await startLoopbackMirror(work, toolEnv);
try {
  runAction(work, mirror, 'warm-up');
  const samples = Array.from({ length: runs }, (_, i) => runAction(work, mirror, i));
  const baseline = Array.from({ length: runs }, () => {
    const t = process.hrtime.bigint();
    spawnSync(node24, ['-e', '0']);
    return Number(process.hrtime.bigint() - t) / 1e6;
  });
  const overhead = median(samples.map((s) => s.wallMs - s.toolMs));
  const node = median(baseline);
  const fmt = (ms) => `${(ms / 1000).toFixed(3)} s`;
  console.log(
    `action overhead benchmark (${runs} no-change runs, warm tool cache, ${samples[0].processes} tool processes each)`,
  );
  console.log(`  whole run (median):            ${fmt(median(samples.map((s) => s.wallMs)))}`);
  console.log(`  in tofu/conftest (median):     ${fmt(median(samples.map((s) => s.toolMs)))}`);
  console.log(`  action's own overhead (median): ${fmt(overhead)}  = ${(overhead / node).toFixed(1)} × node -e 0`);
  console.log(`  node -e 0 (median):            ${fmt(node)}`);
  console.log(`  target: own overhead under 0.3 s — ${overhead < 300 ? 'met' : 'NOT met'}`);
} finally {
  mirror.stop();
  rmSync(work, { recursive: true, force: true });
}
