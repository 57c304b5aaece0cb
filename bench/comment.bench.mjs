// Benchmark: the PR comment for a 10,000-resource plan. Makes the plan with the real tofu (test/fixtures/plans),
// then times JSON.parse + summarizePlan + planFingerprint + renderPlanComment in-process (median of N), and measures
// the peak memory of a fresh process doing the same once, against a process that only loads the modules.
//
//   node bench/comment.bench.mjs [--runs N] [--plan-dir DIR] [--create N]   (Node 24: node_modules/.bin/node)
//
// --create scales the plan: N creates on top of the 900 changes to applied objects (default 9,100: 10,000 changes).
//
// The TypeScript sources run as they are, through Node 24's type stripping; a resolve hook maps the `.js`
// specifiers of the sources to their `.ts` files.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { median, resolveTypeScriptImports, testToolEnv } from '../scripts/test-env.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const self = fileURLToPath(import.meta.url);

await resolveTypeScriptImports();

async function load() {
  const [summary, fingerprint, comment] = await Promise.all([
    import(pathToFileURL(path.join(root, 'src/plan/summary.ts')).href),
    import(pathToFileURL(path.join(root, 'src/plan/fingerprint.ts')).href),
    import(pathToFileURL(path.join(root, 'src/report/comment.ts')).href),
  ]);
  return {
    summarizePlan: summary.summarizePlan,
    planFingerprint: fingerprint.planFingerprint,
    renderPlanComment: comment.renderPlanComment,
  };
}

const policy = { result: 'pass', failures: [], warnings: [], successes: 12, inputs: ['tfvars', 'plan'] };

/** The whole report step from the files tofu wrote: what the action does after `tofu show`. */
function reportFrom(modules, jsonText, text) {
  const t0 = performance.now();
  const json = JSON.parse(jsonText);
  const t1 = performance.now();
  const summary = modules.summarizePlan(json);
  const t1b = performance.now();
  const planHash = modules.planFingerprint(json);
  const t2 = performance.now();
  const body = modules.renderPlanComment({
    target: 'modules/root',
    headSha: '3f2a9c1d4e5b6a7980c1d2e3f4a5b6c7d8e9f0a1',
    runUrl: 'https://github.com/wildside/platform/actions/runs/1',
    policy,
    plan: { exitCode: 2, summary, text },
    onMerge: 'nothing is applied from a pull request.',
    planHash,
  });
  const t3 = performance.now();
  return { body, summary, parse: t1 - t0, summarize: t1b - t1, fingerprint: t2 - t1b, render: t3 - t2, total: t3 - t0 };
}

const ms = (v) => `${v.toFixed(1)} ms`;
const mb = (kb) => `${(kb / 1024).toFixed(0)} MB`;

// Child modes: one pass (or only the module loading) in a fresh process, printing its peak RSS in KB.
if (process.argv[2] === '--child') {
  const [, , , mode, jsonPath, textPath] = process.argv;
  const modules = await load();
  if (mode === 'work') reportFrom(modules, readFileSync(jsonPath, 'utf8'), readFileSync(textPath, 'utf8'));
  console.log(JSON.stringify({ maxRss: process.resourceUsage().maxRSS }));
  process.exit(0);
}

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : process.argv[i + 1];
}

function childMaxRss(mode, jsonPath, textPath) {
  const result = spawnSync(process.execPath, [self, '--child', mode, jsonPath, textPath], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`child ${mode} failed:\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()).maxRss;
}

const runs = Number(option('--runs', '15'));
if (!process.env.TOFU_BIN) Object.assign(process.env, testToolEnv());
const { planLarge, TEN_THOUSAND } = await import(
  pathToFileURL(path.join(root, 'test/fixtures/plans/generate.ts')).href
);
const planDir = option('--plan-dir', mkdtempSync(path.join(os.tmpdir(), 'flux-comment-bench-')));
const shape = { ...TEN_THOUSAND, create: Number(option('--create', String(TEN_THOUSAND.create))) };
const changes = shape.create + shape.update + shape.replace + shape.destroy;
const reused = statSync(path.join(planDir, `large-${changes}`, 'plan.json'), { throwIfNoEntry: false }) !== undefined;
const started = performance.now();
const plan = await planLarge(planDir, shape);
const generated = performance.now() - started;
const jsonPath = path.join(plan.dir, 'plan.json');
const textPath = path.join(plan.dir, 'plan.txt');
const jsonText = readFileSync(jsonPath, 'utf8');
const text = readFileSync(textPath, 'utf8');

const modules = await load();
for (let i = 0; i < 2; i++) reportFrom(modules, jsonText, text); // warm-up: JIT and caches
const samples = [];
for (let i = 0; i < runs; i++) samples.push(reportFrom(modules, jsonText, text));
const last = samples.at(-1);
const work = childMaxRss('work', jsonPath, textPath);
const baseline = childMaxRss('load', jsonPath, textPath);
const nodeStart = [];
for (let i = 0; i < 7; i++) {
  const t = performance.now();
  spawnSync(process.execPath, ['-e', '0']);
  nodeStart.push(performance.now() - t);
}

console.log(
  `comment for a ${last.summary.changes.length.toLocaleString('en-US')}-resource plan (${runs} runs, Node ${process.version})`,
);
console.log(
  `  plan JSON ${(statSync(jsonPath).size / 1e6).toFixed(1)} MB, plan text ${(text.length / 1e6).toFixed(1)} MB; ${reused ? 'reused from --plan-dir' : `made by tofu in ${(generated / 1000).toFixed(1)} s`}`,
);
console.log(`  comment: ${last.body.length.toLocaleString('en-US')} characters`);
const total = median(samples.map((s) => s.total));
console.log(
  `  median total ${ms(total)} (target < 1000 ms); ${(total / median(nodeStart)).toFixed(1)} × \`node -e 0\` (${ms(median(nodeStart))})`,
);
const part = (key) => ms(median(samples.map((s) => s[key])));
console.log(
  `    JSON.parse ${part('parse')}, summary ${part('summarize')}, fingerprint ${part('fingerprint')}, render ${part('render')}`,
);
console.log(
  `    min ${ms(Math.min(...samples.map((s) => s.total)))}, max ${ms(Math.max(...samples.map((s) => s.total)))}`,
);
console.log(
  `  peak RSS of a fresh process doing it once: ${mb(work)} (target < 256 MB); loading the modules alone: ${mb(baseline)}; ratio ${(work / baseline).toFixed(2)}`,
);
