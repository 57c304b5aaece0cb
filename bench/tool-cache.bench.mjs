#!/usr/bin/env node
// Benchmark (not a test): the wall time of a tool-cache hit — a fresh Node 24 process running the tools stage
// (installTools for the pinned tofu and conftest, re-hashing both cached binaries) — as a median over repeated runs,
// and as a ratio to `node -e 0`. Target: under 0.2 s.
//
//   node bench/tool-cache.bench.mjs [--runs N]
//
// It bundles two small entries with ncc (as dist/ is built), serves the real binaries from the loopback release
// mirror, installs once to fill a temporary tool cache, then times the hits.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { median, startLoopbackMirror, testToolEnv } from '../scripts/test-env.mjs';

const repo = path.resolve(import.meta.dirname, '..');
const node24 = path.join(repo, 'node_modules', '.bin', 'node');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '21' } } });
const runs = Number(values.runs);

function bundle(entry, out) {
  const ncc = path.join(repo, 'node_modules', '.bin', 'ncc');
  execFileSync(ncc, ['build', path.join(repo, 'bench', entry), '-o', out, '--quiet'], { cwd: repo, stdio: 'inherit' });
  return path.join(out, 'index.js');
}

function timed(args, env) {
  const started = process.hrtime.bigint();
  const result = spawnSync(node24, args, { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return seconds;
}

const work = mkdtempSync(path.join(os.tmpdir(), 'flux-bench-tool-cache-'));
const hitEntry = bundle('tool-cache-hit.ts', path.join(work, 'hit'));
const mirror = await startLoopbackMirror(work, testToolEnv());
const result = path.join(work, 'result.json');
const runEnv = {
  PATH: process.env.PATH,
  RUNNER_TOOL_CACHE: path.join(work, 'tool-cache'),
  RUNNER_TEMP: path.join(work, 'temp'),
  BENCH_MIRROR_URL: mirror.url,
  BENCH_RESULT: result,
  FLUX_BOOTSTRAP_OPENTOFU_SIGNING_KEY: mirror.signingKeyArmored,
};
const readResult = () => JSON.parse(readFileSync(result, 'utf8'));

try {
  const missSeconds = timed([hitEntry], runEnv);
  if (readResult().fromCache) throw new Error('the first run should have installed, not hit the cache');
  const hits = [];
  const inProcess = [];
  const baseline = [];
  for (let i = 0; i < runs; i++) {
    hits.push(timed([hitEntry], runEnv));
    const { ms, fromCache } = readResult();
    if (!fromCache) throw new Error(`run ${i + 1} was not a cache hit`);
    inProcess.push(ms / 1000);
    baseline.push(timed(['-e', '0'], runEnv));
  }
  const hit = median(hits);
  const node = median(baseline);
  const stage = median(inProcess);
  const fmt = (s) => `${s.toFixed(3)} s`;
  const verdict = (s) => (s < 0.2 ? 'within the 0.2 s target' : 'over the 0.2 s target');
  const version = spawnSync(node24, ['--version']).stdout.toString().trim();
  const load = os.loadavg()[0].toFixed(1);
  console.log(
    `tool-cache hit benchmark (${runs} runs, Node ${version}, ${os.cpus().length} CPUs, load average ${load})`,
  );
  console.log(`  first install (miss: download, verify, extract, cache): ${fmt(missSeconds)}`);
  console.log(
    `  cache hit, whole process (median):  ${fmt(hit)} = ${(hit / node).toFixed(1)} × node -e 0, ${verdict(hit)}`,
  );
  console.log(`  cache hit, installTools() (median): ${fmt(stage)}, ${verdict(stage)}`);
  console.log(`  node -e 0 (median):                 ${fmt(node)}`);
} finally {
  mirror.stop();
  rmSync(work, { recursive: true, force: true });
}
