// modules/root applied and removed with the real tofu and providers on a real control plane: installed through a
// kubeconfig in one apply (chart values merged as documented), then removed (flux.install = false) through DOKS
// credentials, then installed through DOKS with Git credentials (written through the kubernetes provider's
// write-only data_wo, rotated by revision) and removed again; with no source at all, what tofu itself says. The
// DigitalOcean API is a stand-in (someone else's cloud): it hands out this cluster's endpoint, CA and a real
// service-account token, which the helm, kubectl and kubernetes providers then use against the real API server.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLUX2_CHART_VERSION, startHelmRepository, type HelmRepository } from './support/chart-repository.js';
import { startCluster, type Cluster } from './support/cluster.js';
import { startDigitalOceanApi, type DigitalOceanApi } from './support/digitalocean-api.js';
import { copyShippedRoot, runTofu } from './support/shipped-root.js';

const execFileAsync = promisify(execFile);
const DO_TOKEN = 'dop_v1_removal-test-token';
const DOKS_NAME = 'dev-ams3';

let cluster: Cluster;
let helmRepo: HelmRepository;
let digitalocean: DigitalOceanApi;
let work: string;

beforeAll(async () => {
  await Promise.all([startCluster().then((c) => (cluster = c)), startHelmRepository().then((r) => (helmRepo = r))]);
  // The token DOKS would mint: a real service-account token the API server accepts, bound to cluster-admin.
  await cluster.kubectl(['create', 'serviceaccount', 'doks-admin', '-n', 'kube-system']);
  await cluster.kubectl([
    'create',
    'clusterrolebinding',
    'doks-admin',
    '--clusterrole=cluster-admin',
    '--serviceaccount=kube-system:doks-admin',
  ]);
  const clusterToken = (await cluster.kubectl(['create', 'token', 'doks-admin', '-n', 'kube-system'])).trim();
  digitalocean = await startDigitalOceanApi({
    token: DO_TOKEN,
    clusters: [{ name: DOKS_NAME, endpoint: cluster.server, caPem: cluster.caPem, clusterToken }],
  });
  work = mkdtempSync(path.join(os.tmpdir(), 'flux-removal-'));
  copyShippedRoot(work);
  valuesFile = path.join(work, 'values.yaml');
  writeFileSync(valuesFile, 'logLevel: debug\nsourceController:\n  resources:\n    requests:\n      memory: 96Mi\n');
  await tofu('init', '-input=false');
}, 300_000);

afterAll(async () => {
  await Promise.all([cluster?.stop(), helmRepo?.stop(), digitalocean?.stop()]);
  if (work) rmSync(work, { recursive: true, force: true });
}, 120_000);

function tofu(...args: string[]): Promise<{ code: number; out: string }> {
  return tofuWith({}, ...args);
}

function tofuWith(extraEnv: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; out: string }> {
  return runTofu(path.join(work, 'root'), args, {
    SSL_CERT_FILE: helmRepo.caFile,
    DIGITALOCEAN_TOKEN: DO_TOKEN,
    DIGITALOCEAN_API_URL: digitalocean?.url,
    ...extraEnv,
  });
}

let valuesFile = '';

function flux(install: boolean, source: 'kubeconfig' | 'doks' | 'none', credentialsRevision?: number): string {
  const file = path.join(work, `flux-${install}-${source}-${credentialsRevision ?? 0}.tfvars.json`);
  const cluster_ =
    source === 'kubeconfig'
      ? { kubeconfig_path: cluster.kubeconfigPath }
      : source === 'doks'
        ? { doks_cluster_name: DOKS_NAME }
        : {};
  writeFileSync(
    file,
    JSON.stringify({
      flux: {
        install,
        git: install
          ? { url: 'https://git.example.invalid/fleet', credentials_revision: credentialsRevision ?? null }
          : {},
        // Values precedence on a real release: the file sets both keys, the map overrides one of them.
        helm: {
          repository: helmRepo.url,
          chart_version: FLUX2_CHART_VERSION,
          values_files: [valuesFile],
          values: { logLevel: 'info' },
        },
        cluster: cluster_,
      },
    }),
  );
  return `-var-file=${file}`;
}

const PASSWORDS = ['first-Git-passw0rd', 'rotated-Git-passw0rd'] as const;
const credentials = (password: string): NodeJS.ProcessEnv => ({
  TF_VAR_git_credentials: JSON.stringify({ username: 'flux', password }),
});
const gitSecretPassword = async () =>
  Buffer.from(
    await cluster.kubectl(['get', 'secret', 'flux-system', '-n', 'flux-system', '-o', 'jsonpath={.data.password}']),
    'base64',
  ).toString();

const releaseInstalled = async () =>
  (await cluster.kubectl(['get', 'secret', '-n', 'flux-system', '-l', 'owner=helm', '-o', 'name'])).trim() !== '';
const objects = async () =>
  (await cluster.kubectl(['get', 'gitrepositories,kustomizations', '-A', '-o', 'name']))
    .trim()
    .split('\n')
    .filter(Boolean);

describe('removal with the real providers, through each cluster source', () => {
  it('installs through a kubeconfig, then removes through DOKS credentials', async () => {
    const install = await tofu('apply', '-auto-approve', '-input=false', flux(true, 'kubeconfig'));
    expect(install.code, install.out.slice(-4000)).toBe(0);
    expect(await releaseInstalled()).toBe(true);
    expect(await objects()).toHaveLength(2);
    // Files, then the map, then the module's own settings: what the release was installed with.
    const state = JSON.parse((await tofu('show', '-json')).out) as {
      values: {
        root_module: { child_modules: { resources: { address: string; values: Record<string, unknown> }[] }[] };
      };
    };
    const release = state.values.root_module.child_modules
      .flatMap((m) => m.resources)
      .find((r) => r.address === 'module.flux[0].helm_release.flux');
    const values = JSON.parse((release?.values.metadata as { values: string }).values) as Record<string, unknown>;
    expect(values.logLevel).toBe('info');
    expect(values).toMatchObject({
      sourceController: { resources: { requests: { memory: '96Mi' } } },
      notificationController: { create: true },
    });
    const source = await cluster.kubectl(['get', 'deployment', 'source-controller', '-n', 'flux-system', '-o', 'json']);
    expect(source).toContain('"memory": "96Mi"');
    expect(source).toContain('--log-level=info');

    const before = digitalocean.requests.length;
    const removal = await tofu('apply', '-auto-approve', '-input=false', flux(false, 'doks'));
    expect(removal.code, removal.out.slice(-4000)).toBe(0);
    expect(removal.out).toMatch(/Destroy complete|Apply complete! Resources: 0 added, 0 changed, 3 destroyed/);
    expect(await releaseInstalled()).toBe(false);
    expect(await objects()).toEqual([]);
    // The credentials came from the DigitalOcean API, as they would from DOKS.
    expect(digitalocean.requests.slice(before).map((r) => r.path)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^\/v2\/kubernetes\/clusters\/[^/]+\/credentials/)]),
    );
    // The CRDs are kept on uninstall.
    const crds = await cluster.kubectl(['get', 'crd', '-o', 'name']);
    expect(crds).toContain('gitrepositories.source.toolkit.fluxcd.io');
  });

  it('installs through DOKS with Git credentials that reach the Secret, never the state or plan, and rotate by revision', async () => {
    const install = await tofuWith(
      credentials(PASSWORDS[0]),
      'apply',
      '-auto-approve',
      '-input=false',
      flux(true, 'doks', 1),
    );
    expect(install.code, install.out.slice(-4000)).toBe(0);
    expect(await releaseInstalled()).toBe(true);
    expect(await gitSecretPassword()).toBe(PASSWORDS[0]);

    // A changed value under the same revision is invisible to tofu (write-only): no changes, the Secret stays.
    const unseen = await tofuWith(
      credentials(PASSWORDS[1]),
      'plan',
      '-input=false',
      '-detailed-exitcode',
      flux(true, 'doks', 1),
    );
    expect(unseen.code, unseen.out.slice(-4000)).toBe(0);
    // A new revision writes it, as the only change.
    const plan = path.join(work, 'rotate.tfplan');
    const rotate = await tofuWith(
      credentials(PASSWORDS[1]),
      'plan',
      '-input=false',
      `-out=${plan}`,
      flux(true, 'doks', 2),
    );
    expect(rotate.code, rotate.out.slice(-4000)).toBe(0);
    const planJson = (await tofu('show', '-json', plan)).out;
    const changes = (
      JSON.parse(planJson) as { resource_changes: { address: string; change: { actions: string[] } }[] }
    ).resource_changes.filter((c) => c.change.actions.join() !== 'no-op');
    expect(changes.map((c) => `${c.change.actions.join()} ${c.address}`)).toEqual([
      'update module.flux[0].kubernetes_secret_v1.git_credentials[0]',
    ]);
    // Ephemeral: the saved plan cannot carry the credentials. Applied without them it stops at the module's
    // precondition with the Secret untouched, and the plan is stale (tofu wrote a state snapshot): plan again.
    const without = await tofu('apply', '-input=false', plan);
    expect(without.code).not.toBe(0);
    expect(without.out).toContain('git_credentials_revision is set but git_credentials is empty');
    expect(await gitSecretPassword()).toBe(PASSWORDS[0]);
    const replanned = await tofuWith(
      credentials(PASSWORDS[1]),
      'plan',
      '-input=false',
      `-out=${plan}`,
      flux(true, 'doks', 2),
    );
    expect(replanned.code, replanned.out.slice(-4000)).toBe(0);
    const applied = await tofuWith(credentials(PASSWORDS[1]), 'apply', '-input=false', plan);
    expect(applied.code, applied.out.slice(-4000)).toBe(0);
    expect(await gitSecretPassword()).toBe(PASSWORDS[1]);

    const state = (await tofu('show', '-json')).out;
    expect(state).toContain('"data_wo_revision":2');
    const planFile = (await execFileAsync('unzip', ['-p', plan], { encoding: 'latin1', maxBuffer: 64 << 20 })).stdout;
    for (const text of [state, planJson, planFile, readFileSync(path.join(work, 'root', 'terraform.tfstate'), 'utf8')])
      for (const password of PASSWORDS) expect(text).not.toContain(password);
  });

  it('removes through DOKS, then an empty state with no source plans nothing', async () => {
    // Without any source while the state holds Flux, tofu cannot reach a cluster: the placeholder host fails.
    const blind = await tofu('plan', '-input=false', '-detailed-exitcode', flux(false, 'none'));
    expect(blind.code).toBe(1);
    expect(blind.out).toContain('no-cluster-credentials-given.invalid');

    const removal = await tofu('apply', '-auto-approve', '-input=false', flux(false, 'doks'));
    expect(removal.code, removal.out.slice(-4000)).toBe(0);
    expect(await releaseInstalled()).toBe(false);

    const empty = await tofu('plan', '-input=false', '-detailed-exitcode', flux(false, 'none'));
    expect(empty.code, empty.out.slice(-4000)).toBe(0);
    expect(empty.out).toContain('No changes.');
  });
});
