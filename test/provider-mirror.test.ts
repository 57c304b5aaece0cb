// The provider mirror the tests' tofu installs from (scripts/test-providers.sh): the real helm and kubectl builds,
// the plugin protocol each speaks, and the DigitalOcean stand-in (test/providers), which is the only stand-in and
// reads digitalocean_kubernetes_cluster over HTTP from the DigitalOcean API stand-in, as the real provider reads it
// from api.digitalocean.com.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './support/action-runner.js';
import { startDigitalOceanApi, type DigitalOceanApi } from './support/digitalocean-api.js';
import { tools } from './support/tools.js';

const apiToken = 'dop_v1_test-api-token';
const caPem = '-----BEGIN CERTIFICATE-----\nMIIBdzCCAR2gAwIBAgIUdGVzdC1vbmx5LWNhLWNlcnQ=\n-----END CERTIFICATE-----\n';
const cluster = { name: 'dev', endpoint: 'https://10.0.0.1.k8s.example.test', caPem, clusterToken: 'doks-token-1' };

/** The mirror directory the tests' CLI config selects. */
function mirrorDir(): string {
  const rc = readFileSync(tools.tofurc ?? '', 'utf8');
  const dir = /path\s*=\s*"([^"]+)"/.exec(rc)?.[1];
  if (!dir) throw new Error(`no filesystem_mirror path in ${tools.tofurc}`);
  return dir;
}

/** Every provider binary in the mirror, by "<namespace>/<type> <version>". */
function mirrorBinaries(): Record<string, string> {
  const host = path.join(mirrorDir(), 'registry.opentofu.org');
  const out: Record<string, string> = {};
  for (const ns of readdirSync(host))
    for (const type of readdirSync(path.join(host, ns)))
      for (const version of readdirSync(path.join(host, ns, type))) {
        const dir = path.join(host, ns, type, version, 'linux_amd64');
        for (const file of readdirSync(dir)) out[`${ns}/${type} ${version}`] = path.join(dir, file);
      }
  return out;
}

/** The go-plugin handshake line a provider prints when started as tofu starts it: "1|<protocol>|unix|...". */
function handshake(binary: string): Promise<string> {
  // The plugin's socket goes to a directory of its own: a killed plugin leaves it behind.
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'flux-plugin-'));
  return new Promise((resolve, reject) => {
    const child = spawn(binary, [], {
      env: {
        PATH: process.env.PATH,
        TMPDIR: tmp,
        TF_PLUGIN_MAGIC_COOKIE: 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2',
        PLUGIN_PROTOCOL_VERSIONS: '5,6',
      },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      rmSync(tmp, { recursive: true, force: true });
      resolve(out.split('\n')[0] ?? '');
    });
  });
}

let work: string;
let api: DigitalOceanApi | undefined;

/** Runs tofu without blocking: the API stand-in answers from this same event loop. */
function tofu(
  args: string[],
  cwd: string,
  env: Record<string, string | undefined> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const base: Record<string, string | undefined> = { ...process.env };
  delete base.DIGITALOCEAN_TOKEN;
  delete base.DIGITALOCEAN_ACCESS_TOKEN;
  delete base.DIGITALOCEAN_API_URL;
  const child = spawn(tools.tofu, args, {
    cwd,
    env: { ...base, TF_CLI_CONFIG_FILE: tools.tofurc, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

// A root module that uses nothing but the DigitalOcean provider and its cluster data source.
const fixture = `terraform {
  required_providers {
    digitalocean = { source = "digitalocean/digitalocean", version = "~> 2.0" }
  }
}
variable "name" { type = string }
variable "token" {
  type    = string
  default = null
}
variable "api_endpoint" {
  type    = string
  default = null
}
provider "digitalocean" {
  token        = var.token
  api_endpoint = var.api_endpoint
}
data "digitalocean_kubernetes_cluster" "this" {
  name = var.name
}
output "cluster" {
  value     = data.digitalocean_kubernetes_cluster.this
  sensitive = true
}
`;

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'flux-do-standin-'));
  writeFileSync(path.join(work, 'main.tf'), fixture);
  const init = await tofu(['init', '-input=false', '-no-color'], work);
  if (init.code !== 0) throw new Error(`tofu init failed:\n${init.stdout}${init.stderr}`);
});

afterEach(async () => {
  await api?.stop();
  api = undefined;
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the provider mirror', () => {
  it('holds the real helm 3.2.0, kubectl 2.2.0 and kubernetes 3.2.1 and, as the only stand-in, DigitalOcean 2.68.0', () => {
    const binaries = mirrorBinaries();
    expect(Object.keys(binaries).sort()).toEqual([
      'alekc/kubectl 2.2.0',
      'digitalocean/digitalocean 2.68.0',
      'hashicorp/helm 3.2.0',
      'hashicorp/kubernetes 3.2.1',
    ]);
    // Four different programs: none of the real ones is the stand-in binary under another name.
    const inodes = Object.values(binaries).map((file) => statSync(file).ino);
    expect(new Set(inodes).size).toBe(4);
    // The stand-in lists what it stands in for: DigitalOcean alone.
    const list = spawnSync(binaries['digitalocean/digitalocean 2.68.0']!, ['--list'], { encoding: 'utf8' });
    expect(list.stdout).toBe('digitalocean digitalocean/digitalocean 2.68.0\n');
  });

  it('has no helm or kubectl stand-in left in test/providers', () => {
    const dir = path.join(repoRoot, 'test', 'providers');
    const sources = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.(go|json|mod)$/.test(f));
    expect(sources).toContain('schemas/digitalocean.json');
    for (const file of sources) expect(readFileSync(path.join(dir, file), 'utf8'), file).not.toMatch(/helm|kubectl/i);
    expect(readdirSync(path.join(dir, 'schemas'))).toEqual(['digitalocean.json']);
  });

  it('serves each provider over the plugin protocol its real build speaks', async () => {
    const binaries = mirrorBinaries();
    // helm is on the plugin framework (protocol 6); kubectl and DigitalOcean on SDKv2 (protocol 5); kubernetes
    // muxes SDKv2 and the framework over protocol 6.
    const expected: Record<string, string> = {
      'hashicorp/helm 3.2.0': '6',
      'alekc/kubectl 2.2.0': '5',
      'hashicorp/kubernetes 3.2.1': '6',
      'digitalocean/digitalocean 2.68.0': '5',
    };
    for (const [name, protocol] of Object.entries(expected)) {
      const line = await handshake(binaries[name]!);
      expect(line, name).toMatch(new RegExp(`^1\\|${protocol}\\|unix\\|`));
    }
  });
});

describe('the DigitalOcean stand-in', () => {
  it('reads digitalocean_kubernetes_cluster through the API, as the real provider does', async () => {
    api = await startDigitalOceanApi({ token: apiToken, clusters: [{ ...cluster, name: 'other' }, cluster] });
    const env = { DIGITALOCEAN_TOKEN: apiToken, DIGITALOCEAN_API_URL: api.url };
    const apply = await tofu(['apply', '-auto-approve', '-input=false', '-no-color', '-var', 'name=dev'], work, env);
    expect(apply.code, apply.stderr).toBe(0);
    const out = JSON.parse((await tofu(['output', '-json', 'cluster'], work)).stdout) as Record<string, unknown> & {
      kube_config: Record<string, string>[];
    };
    const id = out.id as string;
    expect(out).toMatchObject({ name: 'dev', endpoint: cluster.endpoint, region: 'fra1', status: 'running' });
    expect(out.urn).toBe(`do:kubernetes:${id}`);
    expect(out.tags).toEqual([]); // the k8s and k8s:<id> tags the service adds are left out
    const kube = out.kube_config[0]!;
    expect(kube.host).toBe(cluster.endpoint);
    expect(kube.token).toBe('doks-token-1');
    expect(Buffer.from(kube.cluster_ca_certificate!, 'base64').toString()).toBe(caPem);
    expect(Date.parse(kube.expires_at!)).toBeGreaterThan(Date.now());
    expect(kube.raw_config).toContain(`server: ${cluster.endpoint}`);
    expect(kube.raw_config).toContain('current-context: do-fra1-dev');
    expect(api.requests).toEqual([
      { method: 'GET', path: '/v2/kubernetes/clusters' },
      { method: 'GET', path: `/v2/kubernetes/clusters/${id}/credentials` },
    ]);
  });

  it('takes token and api_endpoint from the provider configuration before the environment', async () => {
    api = await startDigitalOceanApi({ token: apiToken, clusters: [cluster] });
    const vars = ['-var', 'name=dev', '-var', `token=${apiToken}`, '-var', `api_endpoint=${api.url}`];
    const env = { DIGITALOCEAN_TOKEN: 'dop_v1_wrong', DIGITALOCEAN_API_URL: 'http://127.0.0.1:9' };
    const plan = await tofu(['plan', '-input=false', '-no-color', '-lock=false', ...vars], work, env);
    expect(plan.code, plan.stderr).toBe(0);
    expect(api.requests.map((r) => r.path)).toContain('/v2/kubernetes/clusters');
  });

  it('configures without a token, then fails the read with the API 401', async () => {
    api = await startDigitalOceanApi({ token: apiToken, clusters: [cluster] });
    const plan = await tofu(['plan', '-input=false', '-no-color', '-lock=false', '-var', 'name=dev'], work, {
      DIGITALOCEAN_API_URL: api.url,
    });
    expect(plan.code).toBe(1);
    const text = plan.stderr.replace(/\s+/g, ' ');
    expect(text).toContain(`Error listing Kubernetes clusters: GET ${api.url}/v2/kubernetes/clusters: 401`);
    expect(text).toContain('Unable to authenticate you');
    expect(api.requests).toEqual([{ method: 'GET', path: '/v2/kubernetes/clusters' }]);
  });

  it('names a cluster it cannot find, reading only the first page of the list as the real provider does', async () => {
    // 21 clusters: the API's default page holds 20, so the last one is on page 2.
    const many = Array.from({ length: 21 }, (_, i) => ({ ...cluster, name: `c${i}` }));
    api = await startDigitalOceanApi({ token: apiToken, clusters: many });
    const env = { DIGITALOCEAN_TOKEN: apiToken, DIGITALOCEAN_API_URL: api.url };
    const plan = await tofu(['plan', '-input=false', '-no-color', '-lock=false', '-var', 'name=c20'], work, env);
    expect(plan.code).toBe(1);
    expect(plan.stderr).toContain('Unable to find cluster with name: c20');
    // The API itself pages: page 2 holds the 21st cluster, and page 1 links to it.
    const headers = { authorization: `Bearer ${apiToken}` };
    const first = (await (await fetch(`${api.url}/v2/kubernetes/clusters`, { headers })).json()) as {
      kubernetes_clusters: unknown[];
      links: { pages: { next?: string } };
      meta: { total: number };
    };
    expect(first.kubernetes_clusters).toHaveLength(20);
    expect(first.meta.total).toBe(21);
    const second = (await (await fetch(first.links.pages.next!, { headers })).json()) as {
      kubernetes_clusters: { name: string }[];
    };
    expect(second.kubernetes_clusters.map((c) => c.name)).toEqual(['c20']);
  });

  it('declares no resource type: a DigitalOcean resource is rejected before any API call', async () => {
    const dir = mkdtempSync(path.join(work, 'resource-'));
    writeFileSync(path.join(dir, 'main.tf'), fixture + 'resource "digitalocean_droplet" "x" {\n  name = "x"\n}\n');
    expect((await tofu(['init', '-input=false', '-no-color'], dir)).code).toBe(0);
    const run = await tofu(['validate', '-no-color'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr.replace(/\s+/g, ' ')).toContain(
      'The provider digitalocean/digitalocean does not support resource type "digitalocean_droplet"',
    );
  });
});
