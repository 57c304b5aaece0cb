// modules/root applied and removed with the real tofu and providers on a real control plane: installed through a
// kubeconfig in one apply (chart values merged as documented), then removed (flux.install = false) through DOKS
// credentials, then installed through DOKS and removed again; with no source at all, what tofu itself says. The
// DigitalOcean API is a stand-in (someone else's cloud): it hands out this cluster's endpoint, CA and a real
// service-account token, which the helm and kubectl providers then use against the real API server.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLUX2_CHART_VERSION, startHelmRepository, type HelmRepository } from './support/chart-repository.js';
import { startCluster, type Cluster } from './support/cluster.js';
import { startDigitalOceanApi, type DigitalOceanApi } from './support/digitalocean-api.js';
import { copyShippedRoot, runTofu } from './support/shipped-root.js';

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
  return runTofu(path.join(work, 'root'), args, {
    SSL_CERT_FILE: helmRepo.caFile,
    DIGITALOCEAN_TOKEN: DO_TOKEN,
    DIGITALOCEAN_API_URL: digitalocean?.url,
  });
}

let valuesFile = '';

function flux(install: boolean, source: 'kubeconfig' | 'doks' | 'none'): string {
  const file = path.join(work, `flux-${install}-${source}.tfvars.json`);
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
        git: install ? { url: 'https://git.example.invalid/fleet' } : {},
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

  it('installs through DOKS, then an empty state with no source plans nothing after removal', async () => {
    const install = await tofu('apply', '-auto-approve', '-input=false', flux(true, 'doks'));
    expect(install.code, install.out.slice(-4000)).toBe(0);
    expect(await releaseInstalled()).toBe(true);

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
