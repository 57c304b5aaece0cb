// The comment's Flux section from real plans of the shipped root (modules/root) on a real control plane: one first
// install applied, then plans in sequence — a chart bump, a Kustomization path change, removal (install = false)
// and drift (the GitRepository changed by hand with kubectl), with controllers and chart values between — each
// rendered by renderPlanComment as src/main.ts calls it. One cluster for the whole file. FLUX_CAPTURE_PLANS=<dir> keeps each plan's JSON and text there.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarizePlan } from '../src/plan/summary.js';
import { renderPlanComment, type PlanReport } from '../src/report/comment.js';
import { clusterLocation } from '../src/report/target.js';
import { FLUX2_CHART_VERSION, startHelmRepository, type HelmRepository } from './support/chart-repository.js';
import { startCluster, type Cluster } from './support/cluster.js';
import { copyShippedRoot, runTofu } from './support/shipped-root.js';

const execFileAsync = promisify(execFile);
/** The bumped chart: the shared 2.18.3 archive repackaged with only its version number changed (see bumpedChart). */
const BUMPED_VERSION = '2.18.4';

let cluster: Cluster;
let helmRepo: HelmRepository;
let work: string;
let root: string;

/**
 * Only flux2 2.18.3 exists as test data (shared/charts), so the bump's target is that chart with `version:` in its
 * Chart.yaml changed to 2.18.4 and packed again: the same Flux (appVersion 2.8.5), a new chart version to plan.
 */
async function bumpedChart(dir: string, source: string): Promise<string> {
  const unpacked = path.join(dir, 'unpacked');
  mkdirSync(unpacked, { recursive: true });
  await execFileAsync('tar', ['-xzf', source, '-C', unpacked]);
  const chartYaml = path.join(unpacked, 'flux2', 'Chart.yaml');
  const text = await fs.readFile(chartYaml, 'utf8');
  await fs.writeFile(chartYaml, text.replace(/^version: .*$/m, `version: ${BUMPED_VERSION}`));
  const file = path.join(dir, `flux2-${BUMPED_VERSION}.tgz`);
  await execFileAsync('tar', ['-czf', file, '-C', unpacked, 'flux2']);
  return file;
}

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'flux-comment-'));
  const plain = await startHelmRepository();
  const bumped = await bumpedChart(work, plain.chart.file).finally(() => plain.stop());
  await Promise.all([
    startCluster().then((c) => (cluster = c)),
    startHelmRepository({ extraCharts: [bumped] }).then((r) => (helmRepo = r)),
  ]);
  root = copyShippedRoot(path.join(work, 'modules'));
  const init = await tofu('init', '-input=false');
  expect(init.code, init.out).toBe(0);
}, 300_000);

afterAll(async () => {
  await Promise.all([cluster?.stop(), helmRepo?.stop()]);
  if (work) rmSync(work, { recursive: true, force: true });
}, 120_000);

function tofu(...args: string[]): Promise<{ code: number; out: string; stdout: string }> {
  return runTofu(root, args, { SSL_CERT_FILE: helmRepo.caFile });
}

interface FluxVars {
  install?: boolean;
  chartVersion?: string;
  path?: string;
  notification?: boolean;
  multitenancy?: boolean;
  values?: Record<string, unknown>;
}

function varFile(name: string, vars: FluxVars = {}): string {
  const file = path.join(work, `${name}.tfvars.json`);
  const flux = {
    install: vars.install ?? true,
    git: { url: 'https://git.example.invalid/fleet', path: vars.path ?? './clusters/dev' },
    helm: {
      repository: helmRepo.url,
      chart_version: vars.chartVersion ?? FLUX2_CHART_VERSION,
      values: vars.values ?? {},
    },
    cluster: { kubeconfig_path: cluster.kubeconfigPath },
    controllers: { notification: vars.notification ?? true },
    multitenancy: vars.multitenancy ?? false,
  };
  writeFileSync(file, JSON.stringify({ flux }));
  return `-var-file=${file}`;
}

interface RealPlan {
  exitCode: number;
  json: unknown;
  text: string;
  file: string;
}

/** `tofu plan -detailed-exitcode -out`, then the saved plan's JSON and text, as src/plan/run.ts takes them. */
async function plan(name: string, vars: FluxVars = {}): Promise<RealPlan> {
  const file = path.join(work, `${name}.tfplan`);
  const planned = await tofu('plan', '-input=false', '-detailed-exitcode', `-out=${file}`, varFile(name, vars));
  expect(planned.code, planned.out.slice(-4000)).toBe(2);
  const json = (await tofu('show', '-json', file)).stdout;
  const text = (await tofu('show', file)).stdout;
  const capture = process.env.FLUX_CAPTURE_PLANS;
  if (capture) {
    mkdirSync(capture, { recursive: true });
    writeFileSync(path.join(capture, `${name}.json`), json);
    writeFileSync(path.join(capture, `${name}.txt`), text);
  }
  return { exitCode: planned.code, json: JSON.parse(json) as unknown, text, file };
}

function render(real: RealPlan): string {
  const report: PlanReport = {
    target: 'modules/root@cluster',
    headSha: 'a'.repeat(40),
    runUrl: '',
    policy: { result: 'pass', failures: [], warnings: [], successes: 1, inputs: ['tfvars', 'plan'] },
    plan: { exitCode: 2, summary: summarizePlan(real.json), text: real.text },
    onMerge: 'On merge to main: this plan will be applied.',
    planHash: null,
    cluster: clusterLocation({ kubeconfig: readFileSync(cluster.kubeconfigPath, 'utf8') }),
  };
  return renderPlanComment(report);
}

/** The Flux section alone: from its heading to the next one. */
function fluxSection(body: string): string {
  const start = body.indexOf('### Flux\n');
  expect(start, body).toBeGreaterThan(-1);
  const end = body.indexOf('\n### ', start + 1);
  return body.slice(start, end === -1 ? undefined : end);
}

describe('the Flux section, from real plans of the shipped root', () => {
  it('names a first install, every setting it makes, and where it planned; then it applies', async () => {
    const first = await plan('first-install');
    const body = render(first);
    const flux = fluxSection(body);
    // Which Flux the chart brings is known only after apply: said so, not guessed from the chart's number.
    expect(flux).toContain(
      '**Installs Flux** from chart `flux2 2.18.3`. The Flux version the chart brings is known after apply.',
    );
    expect(flux).toContain('|  | Setting | Value |');
    for (const row of [
      '| Helm release `flux2` | chart version | `2.18.3` |',
      '|  | Flux version | (known after apply) |',
      '|  | notification-controller | `on` |',
      '|  | multi-tenancy | `off` |',
      '|  | CRDs on uninstall | `kept` |',
      '| GitRepository `flux-system` | URL | `https://git.example.invalid/fleet` |',
      '|  | branch | `main` |',
      '|  | secret | not set |',
      '| Kustomization `flux-system` | path | `./clusters/dev` |',
      '|  | prune | `true` |',
      '|  | deletion policy | `Orphan` |',
    ])
      expect(flux).toContain(row);
    expect(body).toContain(`**Planned against:** API server \`${new URL(cluster.server).host}\``);
    // Header and list count the same three creations.
    expect(body).toContain('**Plan:** 3 to add, 0 to change, 0 to destroy');
    expect(body).toContain('**Create** (3)');
    expect(body.indexOf('### Flux')).toBeLessThan(body.indexOf('### Resource changes'));
    const applied = await tofu('apply', '-input=false', first.file);
    expect(applied.code, applied.out.slice(-4000)).toBe(0);
  });

  it('a chart bump: the chart version before → after, the Flux version running now, the attributes it changes', async () => {
    const body = render(await plan('chart-bump', { chartVersion: BUMPED_VERSION }));
    const flux = fluxSection(body);
    expect(flux).toContain(
      '**Upgrades Flux’s chart** `2.18.3` → `2.18.4` (Flux 2.8.5 now; the new Flux version is known after apply).',
    );
    expect(flux).toContain('| Helm release `flux2` | chart version | `2.18.3` | `2.18.4` |');
    expect(flux).toContain('|  | Flux version | `2.8.5` | (known after apply) |');
    // Only what changes: the controllers and the Git objects are untouched.
    expect(flux).not.toContain('controller');
    expect(flux).not.toContain('GitRepository');
    expect(body).toContain('- `module.flux[0].helm_release.flux` — changes ');
    expect(body).toContain('`version` `2.18.3` → `2.18.4`');
    expect(body).toContain('**Plan:** 0 to add, 1 to change, 0 to destroy');
  });

  it('controllers, multi-tenancy and chart values: switches by name, value keys but never their values', async () => {
    const body = render(
      await plan('settings', {
        notification: false,
        multitenancy: true,
        values: { logLevel: 'debug', sourceController: { resources: { limits: { memory: '1Gi' } } } },
      }),
    );
    const flux = fluxSection(body);
    expect(flux).toContain('|  | notification-controller | `on` | `off` |');
    expect(flux).toContain('|  | multi-tenancy | `off` | `on` |');
    expect(flux).toContain(
      'Chart value keys that change: `logLevel` and `sourceController.resources.limits.memory` (values are not shown',
    );
    expect(flux).not.toMatch(/debug|1Gi/);
    // Multi-tenancy gives the root Kustomization the controller's service account: an update of its own.
    expect(flux).toContain(
      '**Changes** the Helm release’s notification-controller, multi-tenancy and chart values and the Kustomization’s service account.',
    );
    expect(flux).toContain('| Kustomization `flux-system` | service account | not set | `kustomize-controller` |');
  });

  it('a path change: the Kustomization’s path before → after, and nothing else', async () => {
    const body = render(await plan('path-change', { path: './clusters/prod' }));
    const flux = fluxSection(body);
    expect(flux).toContain('**Changes** the Kustomization’s path.');
    expect(flux).toContain('| Kustomization `flux-system` | path | `./clusters/dev` | `./clusters/prod` |');
    expect(flux).not.toContain('Helm release');
    // yaml_body is sensitive in alekc/kubectl: named as such, its value never shown.
    expect(body).toContain('- `module.flux[0].kubectl_manifest.kustomization` — changes `yaml_body` (sensitive)');
  });

  it('removal: named as such, CRDs kept, what the deletion policy leaves running', async () => {
    const body = render(await plan('removal', { install: false }));
    const flux = fluxSection(body);
    expect(flux).toContain('**Removes Flux 2.8.5**; CRDs are kept, so other Flux objects in the cluster survive.');
    expect(flux).toContain(
      'The Kustomization is deleted with deletion policy `Orphan`: what it applied stays in the cluster.',
    );
    expect(flux).toContain('|  | Setting | Removed |');
    expect(flux).toContain('| Kustomization `flux-system` | path | `./clusters/dev` |');
    expect(body).toContain('**Plan:** 0 to add, 0 to change, 3 to destroy');
    expect(body).toContain('**Destroy** (3)');
  });

  it('drift: a GitRepository changed by hand is named field by field, the cluster’s values not guessed', async () => {
    await cluster.kubectl([
      'patch',
      'gitrepository',
      'flux-system',
      '-n',
      'flux-system',
      '--type=merge',
      '-p',
      '{"spec":{"interval":"7m","ref":{"branch":"hotfix"}}}',
    ]);
    const body = render(await plan('drift'));
    const flux = fluxSection(body);
    expect(flux).toContain(
      '**Changed outside OpenTofu:** the GitRepository’s branch and interval; this plan puts back what the configuration says.',
    );
    expect(flux).toContain(
      '| GitRepository `flux-system` | branch | changed in the cluster (its value is not in the plan) | `main` |',
    );
    expect(flux).toContain('|  | interval | changed in the cluster (its value is not in the plan) | `1m` |');
    expect(flux).not.toMatch(/hotfix|7m/);
    expect(flux).not.toContain('URL');
    expect(body).toContain('### Changes outside OpenTofu (1)');
  });
});
