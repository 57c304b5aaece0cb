// The real servers the integration tests start on 127.0.0.1 (test/support/{s3-server,postgres,chart-repository}.ts),
// each proven real with a real client: tofu's s3 backend (with S3-native locking) against versitygw, tofu's pg
// backend against PostgreSQL, the flux2 chart from a TLS Helm repository and from the distribution OCI registry.
// Each stop() must leave no process behind.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import {
  chartAvailable,
  FLUX2_CHART_VERSION,
  HELM_CHART_MEDIA_TYPE,
  HELM_CONFIG_MEDIA_TYPE,
  OCI_MANIFEST_MEDIA_TYPE,
  sharedChartFile,
  startHelmRepository,
  startOciRegistry,
  type HelmRepository,
  type OciRegistry,
} from './support/chart-repository.js';
import { startPostgres, type PostgresServer } from './support/postgres.js';
import { s3BackendConfig, startS3Server, type S3Server } from './support/s3-server.js';
import { isAlive, processTree, request, serverEnv } from './support/server-process.js';
import { tools } from './support/tools.js';

const work = await fs.mkdtemp(path.join(os.tmpdir(), 'flux-servers-test-'));
afterAll(() => fs.rm(work, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** tofu in `dir`, without the machine's AWS and PG settings (the backends get theirs from the configuration). */
function tofu(dir: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): { done: Promise<Run>; pid: number } {
  const env: NodeJS.ProcessEnv = { ...process.env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' };
  for (const name of Object.keys(env)) if (/^(AWS_|PG|SSL_CERT_)/.test(name)) delete env[name];
  Object.assign(env, extraEnv);
  env.AWS_EC2_METADATA_DISABLED = 'true';
  const child = spawn(tools.tofu, [...args, '-no-color'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Run>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { done, pid: child.pid! };
}

async function tofuOk(dir: string, ...args: string[]): Promise<Run> {
  const result = await tofu(dir, args).done;
  if (result.code !== 0) throw new Error(`tofu ${args.join(' ')} exited ${result.code}:\n${result.stderr}`);
  return result;
}

// Just enough HCL for backend settings: strings, booleans, and one level of object.
function hcl(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  const entries = Object.entries(value as Record<string, unknown>);
  return `{ ${entries.map(([k, v]) => `${k} = ${hcl(v)}`).join(', ')} }`;
}

/** A root module using only terraform_data (built into tofu: no provider) with the given backend. */
async function fixture(name: string, backend: string, settings: Record<string, unknown>, body: string) {
  const dir = path.join(work, name);
  await fs.mkdir(dir, { recursive: true });
  const lines = Object.entries(settings).map(([k, v]) => `    ${k} = ${hcl(v)}`);
  await fs.writeFile(
    path.join(dir, 'main.tf'),
    `terraform {\n  backend "${backend}" {\n${lines.join('\n')}\n  }\n}\n\n${body}\n`,
  );
  return dir;
}

const HELLO = 'resource "terraform_data" "hello" {\n  input = "world"\n}';

/** Asserts that the server's process and all its children are gone after stop(). */
async function expectStopsCleanly(pid: number, stop: () => Promise<void>): Promise<void> {
  const tree = processTree(pid);
  expect(isAlive(pid)).toBe(true);
  await stop();
  expect(tree.filter(isAlive)).toEqual([]);
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

describe('versitygw as the s3 backend', () => {
  let s3: S3Server;
  const bucket = 'tfstate';
  beforeAll(async () => {
    s3 = await startS3Server();
    await s3.createBucket(bucket);
  });
  afterAll(() => s3?.stop());

  it('refuses a conditional PutObject (If-None-Match: *) on a key that exists', async () => {
    const first = await s3.putObject(bucket, 'probe/once', 'a', { 'If-None-Match': '*' });
    expect(first.status).toBe(200);
    const second = await s3.putObject(bucket, 'probe/once', 'b', { 'If-None-Match': '*' });
    expect(second.status).toBe(412);
    expect(await s3.getObject(bucket, 'probe/once')).toBe('a');
  });

  it('keeps the state that tofu init and apply write', async () => {
    const dir = await fixture('s3', 's3', s3BackendConfig(s3, bucket, 'hello/terraform.tfstate'), HELLO);
    await tofuOk(dir, 'init', '-input=false');
    await tofuOk(dir, 'apply', '-auto-approve', '-input=false');

    expect(await s3.listObjects(bucket, 'hello/')).toEqual(['hello/terraform.tfstate']);
    const state = JSON.parse(await s3.getObject(bucket, 'hello/terraform.tfstate')) as {
      resources: { type: string; name: string }[];
    };
    expect(state.resources.map((r) => `${r.type}.${r.name}`)).toEqual(['terraform_data.hello']);
    // The posix backend keeps the object as a plain file: the same bytes the gateway served.
    expect(readFileSync(path.join(s3.dataDir, bucket, 'hello', 'terraform.tfstate'), 'utf8')).toContain('"hello"');
    expect((await tofuOk(dir, 'state', 'list')).stdout.trim()).toBe('terraform_data.hello');
  });

  it('use_lockfile: a second run cannot take a held lock, and the lock object goes when the first ends', async () => {
    const release = path.join(work, 'release');
    const waiter = path.join(work, 'wait.mjs');
    // The provisioner holds the apply (and so its lock) until the test creates `release`; bounded to 60 s.
    await fs.writeFile(
      waiter,
      [
        "import { existsSync, writeFileSync } from 'node:fs';",
        "writeFileSync(process.argv[2] + '.started', '');",
        'const deadline = Date.now() + 60_000;',
        'while (!existsSync(process.argv[2])) {',
        '  if (Date.now() > deadline) process.exit(1);',
        '  await new Promise((r) => setTimeout(r, 50));',
        '}',
      ].join('\n'),
    );
    const body = [
      'resource "terraform_data" "slow" {',
      '  provisioner "local-exec" {',
      `    interpreter = [${hcl(process.execPath)}, ${hcl(waiter)}]`,
      `    command     = ${hcl(release)}`,
      '  }',
      '}',
    ].join('\n');
    const key = 'locked/terraform.tfstate';
    const dir = await fixture('s3-lock', 's3', { ...s3BackendConfig(s3, bucket, key), use_lockfile: true }, body);
    await tofuOk(dir, 'init', '-input=false');

    const holder = tofu(dir, ['apply', '-auto-approve', '-input=false']);
    try {
      for (let i = 0; !existsSync(`${release}.started`); i++) {
        if (i > 600) throw new Error('the provisioner did not start within 60 s');
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await s3.listObjects(bucket, 'locked/')).toContain(`${key}.tflock`);
      const lock = JSON.parse(await s3.getObject(bucket, `${key}.tflock`)) as { ID: string; Operation: string };
      expect(lock.Operation).toBe('OperationTypeApply');

      const second = await tofu(dir, ['plan', '-lock-timeout=0s', '-input=false']).done;
      expect(second.code).toBe(1);
      expect(second.stderr).toContain('Error acquiring the state lock');
      expect(second.stderr).toContain(lock.ID);
    } finally {
      await fs.writeFile(release, '');
    }
    const first = await holder.done;
    expect(first.code, first.stderr).toBe(0);
    expect(await s3.listObjects(bucket, 'locked/')).toEqual([key]);
  });

  it('stop() leaves no versitygw process', async () => {
    await expectStopsCleanly(s3.pid, () => s3.stop());
  });
});

describe('PostgreSQL as the pg backend', () => {
  let pg: PostgresServer;
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(() => pg?.stop());

  it('keeps the state that tofu init and apply write', async () => {
    const dir = await fixture('pg', 'pg', { conn_str: pg.connStr }, HELLO);
    await tofuOk(dir, 'init', '-input=false');
    await tofuOk(dir, 'apply', '-auto-approve', '-input=false');
    expect((await tofuOk(dir, 'state', 'list')).stdout.trim()).toBe('terraform_data.hello');

    // Read back on the server side: the pg backend's own table holds the default workspace's state.
    const psql = spawn(
      path.join(serverEnv('PG_BIN_DIR'), 'psql'),
      [pg.connStr, '-At', '-c', 'select name, data from terraform_remote_state.states'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let rows = '';
    psql.stdout.on('data', (d: Buffer) => (rows += d.toString()));
    expect(await new Promise((resolve) => psql.once('close', resolve))).toBe(0);
    expect(rows).toMatch(/^default\|/);
    expect(rows).toContain('"terraform_data"');
  });

  it('stop() leaves no postgres process', async () => {
    // The postmaster forks a checkpointer, a WAL writer and others: all must be gone.
    expect(processTree(pg.pid).length).toBeGreaterThan(1);
    await expectStopsCleanly(pg.pid, () => pg.stop());
  });
});

const chartReason = chartAvailable() ? '' : ` (skipped: no chart at ${sharedChartFile})`;

describe.skipIf(!chartAvailable())(`the flux2 chart over a TLS Helm repository${chartReason}`, () => {
  let repo: HelmRepository;
  beforeAll(async () => {
    repo = await startHelmRepository({ tls: true });
  });
  afterAll(() => repo?.stop());

  it('serves an index.yaml whose flux2 entry names the file by its digest', async () => {
    const ca = readFileSync(repo.caFile!, 'utf8');
    expect(repo.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await request(`${repo.url}/index.yaml`, { ca });
    expect(res.status).toBe(200);
    const index = YAML.parse(res.body.toString()) as {
      entries: Record<string, { version: string; digest: string; urls: string[] }[]>;
    };
    const entry = index.entries.flux2?.find((e) => e.version === FLUX2_CHART_VERSION);
    expect(entry?.digest).toBe(sha256(readFileSync(sharedChartFile)));

    const tgz = await request(entry!.urls[0]!, { ca });
    expect(tgz.status).toBe(200);
    expect(sha256(tgz.body)).toBe(entry!.digest);
    expect(repo.requests).toEqual(['/index.yaml', `/flux2-${FLUX2_CHART_VERSION}.tgz`]);
  });

  it('is real TLS: a client that does not trust the CA is refused', async () => {
    await expect(request(`${repo.url}/index.yaml`)).rejects.toThrow(/certificate/i);
  });

  it('is trusted by a Go client through SSL_CERT_FILE, as the helm provider will be', async () => {
    // tofu itself is the Go client at hand: it fetches an https module source with the same TLS stack.
    const tgz = `${repo.url}/flux2-${FLUX2_CHART_VERSION}.tgz`;
    const dir = await fixture('module-over-tls', 'local', {}, `module "chart" {\n  source = ${hcl(tgz)}\n}`);
    const untrusted = await tofu(dir, ['init', '-input=false']).done;
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toMatch(/certificate signed by unknown authority/);
    const trusted = await tofu(dir, ['init', '-input=false'], { SSL_CERT_FILE: repo.caFile }).done;
    expect(trusted.stderr).toBe('');
    expect(existsSync(path.join(dir, '.terraform', 'modules', 'chart', 'flux2', 'Chart.yaml'))).toBe(true);
  });

  it('stop() closes the port', async () => {
    await repo.stop();
    await expect(request(`${repo.url}/index.yaml`)).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe.skipIf(!chartAvailable())(`the flux2 chart in the distribution OCI registry${chartReason}`, () => {
  let oci: OciRegistry;
  beforeAll(async () => {
    oci = await startOciRegistry();
  });
  afterAll(() => oci?.stop());

  it('returns the flux2 manifest with Helm media types, and the chart as its layer', async () => {
    const ca = readFileSync(oci.caFile, 'utf8');
    expect(oci.url).toMatch(/^oci:\/\/127\.0\.0\.1:\d+\/charts$/);
    const repo = `${oci.apiUrl}/v2/charts/flux2`;
    const res = await request(`${repo}/manifests/${FLUX2_CHART_VERSION}`, {
      ca,
      headers: { accept: OCI_MANIFEST_MEDIA_TYPE },
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(OCI_MANIFEST_MEDIA_TYPE);
    expect(res.headers['docker-content-digest']).toBe(oci.manifestDigest);
    const manifest = JSON.parse(res.body.toString()) as {
      config: { mediaType: string; digest: string };
      layers: { mediaType: string; digest: string }[];
    };
    expect(manifest.config.mediaType).toBe(HELM_CONFIG_MEDIA_TYPE);
    expect(manifest.layers.map((l) => l.mediaType)).toEqual([HELM_CHART_MEDIA_TYPE]);
    const chart = readFileSync(sharedChartFile);
    expect(manifest.layers[0]!.digest).toBe(`sha256:${sha256(chart)}`);

    const blob = await request(`${repo}/blobs/${manifest.layers[0]!.digest}`, { ca });
    expect(blob.status).toBe(200);
    expect(blob.body.equals(chart)).toBe(true);
    const config = await request(`${repo}/blobs/${manifest.config.digest}`, { ca });
    expect(JSON.parse(config.body.toString())).toMatchObject({ name: 'flux2', version: FLUX2_CHART_VERSION });
    const tags = await request(`${repo}/tags/list`, { ca });
    expect(JSON.parse(tags.body.toString())).toEqual({ name: 'charts/flux2', tags: [FLUX2_CHART_VERSION] });
  });

  it('is real TLS: a client that does not trust the CA is refused', async () => {
    await expect(request(`${oci.apiUrl}/v2/`)).rejects.toThrow(/certificate/i);
  });

  it('stop() leaves no registry process', async () => {
    await expectStopsCleanly(oci.pid, () => oci.stop());
  });
});
