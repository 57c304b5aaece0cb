// The real flux2 chart (../shared/charts/flux2-2.18.3.tgz beside the repository; see shared/charts/README.md)
// served on 127.0.0.1 two ways, over TLS from a throwaway CA (clients trust it through SSL_CERT_FILE=caFile):
//   startHelmRepository(): a classic Helm repository, index.yaml + the tgz, from a Node https server;
//   startOciRegistry():    the CNCF distribution registry with the chart pushed as a Helm OCI artifact.
// shared/ may be read-only, so the chart is copied into a temporary directory first. Where shared/ does not exist
// (a clone on a machine with internet, such as GitHub's runners), the same release is downloaded once from the
// chart's public repository into the tool cache and accepted only with the pinned SHA-256.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { freePort, request, serverEnv, startProcess } from './server-process.js';
import { makeTestTls } from './tls.js';

const run = promisify(execFile);

export const FLUX2_CHART_VERSION = '2.18.3';
export const HELM_CONFIG_MEDIA_TYPE = 'application/vnd.cncf.helm.config.v1+json';
export const HELM_CHART_MEDIA_TYPE = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';
export const OCI_MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';

/** Where the shared chart lives: shared/ beside the repository root (this file is test/support/). */
export const sharedChartFile = path.resolve(
  import.meta.dirname,
  '..',
  '..',
  '..',
  'shared',
  'charts',
  `flux2-${FLUX2_CHART_VERSION}.tgz`,
);

/** SHA-256 of flux2-2.18.3.tgz as fluxcd-community released it (the file in shared/charts/). */
const FLUX2_CHART_SHA256 = 'b1114c21675e4b9620237f3be426fc764752e84f51d4b6f3e330d0a3b517c91d';
const PUBLIC_CHART_URL = `https://github.com/fluxcd-community/helm-charts/releases/download/flux2-${FLUX2_CHART_VERSION}/flux2-${FLUX2_CHART_VERSION}.tgz`;

export function chartAvailable(): boolean {
  return existsSync(sharedChartFile);
}

const hexSha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** The chart's bytes: shared/ when it is there, else the public release, downloaded once and checked. */
async function chartBytes(): Promise<Buffer> {
  if (chartAvailable()) return fs.readFile(sharedChartFile);
  const cacheDir = path.join(
    process.env.FLUX_TOOLS_DIR ?? path.join(os.homedir(), '.cache', 'flux-bootstrap-tools'),
    'charts',
  );
  const cached = path.join(cacheDir, path.basename(sharedChartFile));
  const have = await fs.readFile(cached).catch(() => undefined);
  if (have && hexSha256(have) === FLUX2_CHART_SHA256) return have;
  const response = await fetch(PUBLIC_CHART_URL).catch((error: unknown) => {
    throw new Error(`the flux2 chart is neither at ${sharedChartFile} nor downloadable from ${PUBLIC_CHART_URL}`, {
      cause: error,
    });
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  if (!response.ok || hexSha256(bytes) !== FLUX2_CHART_SHA256)
    throw new Error(`${PUBLIC_CHART_URL} answered ${response.status} with bytes that are not the pinned flux2 chart`);
  await fs.mkdir(cacheDir, { recursive: true });
  await fs.writeFile(`${cached}.tmp`, bytes);
  await fs.rename(`${cached}.tmp`, cached);
  return bytes;
}

export interface ServedChart {
  /** The copy that is served. */
  file: string;
  /** sha256 of the tgz, hex. */
  digest: string;
  /** Chart.yaml from inside the tgz. */
  metadata: Record<string, unknown> & { name: string; version: string };
}

async function copyChart(dir: string): Promise<ServedChart> {
  const file = path.join(dir, path.basename(sharedChartFile));
  await fs.writeFile(file, await chartBytes(), { mode: 0o644 });
  const metadata = await chartMetadata(file);
  const digest = hexSha256(await fs.readFile(file));
  return { file, digest, metadata };
}

export interface HelmRepository {
  /** https://127.0.0.1:PORT (http:// with tls: false) */
  url: string;
  /** The CA to trust (SSL_CERT_FILE); undefined without TLS. */
  caFile: string | undefined;
  chart: ServedChart;
  /** Path of every request, in order. */
  requests: string[];
  stop(): Promise<void>;
}

/** Chart.yaml of a chart archive (its top-level <chart>/Chart.yaml; a subchart's would be deeper). */
export async function chartMetadata(file: string): Promise<ServedChart['metadata']> {
  const { stdout: listing } = await run('tar', ['-tzf', file]);
  const entry = listing.split('\n').find((l) => /^[^/]+\/Chart\.yaml$/.test(l));
  if (!entry) throw new Error(`${file} has no <chart>/Chart.yaml`);
  const { stdout: chartYaml } = await run('tar', ['-xzOf', file, entry]);
  return YAML.parse(chartYaml) as ServedChart['metadata'];
}

/**
 * A classic Helm repository serving the shared chart, and `extraCharts` (paths of further chart archives, such as
 * a repackaged copy under another version number) beside it in the same index.
 */
export async function startHelmRepository(
  opts: { tls?: boolean; extraCharts?: string[] } = {},
): Promise<HelmRepository> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flux-helm-repo-'));
  const chart = await copyChart(dir);
  const tls = opts.tls !== false ? await makeTestTls(path.join(dir, 'tls')) : undefined;
  const served: { name: string; bytes: Buffer; metadata: ServedChart['metadata'] }[] = [];
  for (const file of [chart.file, ...(opts.extraCharts ?? [])]) {
    const bytes = await fs.readFile(file);
    served.push({ name: path.basename(file), bytes, metadata: await chartMetadata(file) });
  }
  const requests: string[] = [];
  let index = '';

  const handler: http.RequestListener = (req, res) => {
    requests.push(req.url ?? '');
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    const archive = served.find((c) => pathname === `/${c.name}`);
    const [type, body] =
      pathname === '/index.yaml'
        ? ['application/x-yaml', Buffer.from(index)]
        : archive
          ? ['application/gzip', archive.bytes]
          : [undefined, undefined];
    if (!body) {
      res.writeHead(404).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': type, 'content-length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  const server = tls ? https.createServer({ key: tls.keyPem, cert: tls.certPem }, handler) : http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The shape `helm repo index` writes: chart metadata plus digest, urls and created, under entries.<name>.
  index = YAML.stringify({
    apiVersion: 'v1',
    entries: {
      [chart.metadata.name]: served.map((c) => ({
        ...c.metadata,
        created: new Date().toISOString(),
        digest: hexSha256(c.bytes),
        urls: [`${url}/${c.name}`],
      })),
    },
    generated: new Date().toISOString(),
  });

  return {
    url,
    caFile: tls?.caFile,
    chart,
    requests,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

export interface OciRegistry {
  /** oci://127.0.0.1:PORT/charts — the helm_release `repository`; the chart is `flux2`. */
  url: string;
  /** https://127.0.0.1:PORT, for the distribution API itself. */
  apiUrl: string;
  caFile: string;
  chart: ServedChart;
  /** Digest of the pushed manifest (sha256:…). */
  manifestDigest: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startOciRegistry(): Promise<OciRegistry> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flux-oci-'));
  const chart = await copyChart(dir);
  const tls = await makeTestTls(path.join(dir, 'tls'));
  const port = await freePort();
  const apiUrl = `https://127.0.0.1:${port}`;
  const config = path.join(dir, 'config.yml');
  await fs.writeFile(
    config,
    YAML.stringify({
      version: 0.1,
      log: { level: 'warn' },
      storage: {
        filesystem: { rootdirectory: path.join(dir, 'storage') },
        maintenance: { uploadpurging: { enabled: false } },
      },
      http: { addr: `127.0.0.1:${port}`, tls: { certificate: tls.certFile, key: tls.keyFile } },
    }),
  );
  const server = await startProcess(serverEnv('REGISTRY_BIN'), ['serve', config], {
    name: 'registry',
    // No tracing exporter: by default it would try an OTLP collector.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, OTEL_TRACES_EXPORTER: 'none' },
    ready: async () => (await request(`${apiUrl}/v2/`, { ca: tls.caPem })).status === 200,
  });
  try {
    const manifestDigest = await pushChart(apiUrl, tls.caPem, 'charts', chart);
    return {
      url: `oci://127.0.0.1:${port}/charts`,
      apiUrl,
      caFile: tls.caFile,
      chart,
      manifestDigest,
      pid: server.pid,
      async stop() {
        await server.stop();
        await fs.rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

const sha256 = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** Pushes the chart the way `helm push` lays it out: a Helm config blob, the tgz as one layer, an OCI manifest. */
async function pushChart(apiUrl: string, ca: string, namespace: string, chart: ServedChart): Promise<string> {
  const repo = `${apiUrl}/v2/${namespace}/${chart.metadata.name}`;
  const expect = (res: { status: number; body: Buffer }, want: number, what: string): void => {
    if (res.status !== want) throw new Error(`registry ${what}: HTTP ${res.status} ${res.body.toString('utf8')}`);
  };
  const pushBlob = async (blob: Buffer): Promise<string> => {
    const digest = sha256(blob);
    const started = await request(`${repo}/blobs/uploads/`, { method: 'POST', ca, headers: { 'content-length': '0' } });
    expect(started, 202, 'start upload');
    const location = new URL(String(started.headers.location), apiUrl);
    location.searchParams.set('digest', digest);
    const done = await request(location.toString(), {
      method: 'PUT',
      ca,
      body: blob,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(blob.length) },
    });
    expect(done, 201, `upload ${digest}`);
    return digest;
  };

  const configBlob = Buffer.from(JSON.stringify(chart.metadata));
  const layer = await fs.readFile(chart.file);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST_MEDIA_TYPE,
      config: { mediaType: HELM_CONFIG_MEDIA_TYPE, digest: await pushBlob(configBlob), size: configBlob.length },
      layers: [{ mediaType: HELM_CHART_MEDIA_TYPE, digest: await pushBlob(layer), size: layer.length }],
      annotations: {
        'org.opencontainers.image.title': chart.metadata.name,
        'org.opencontainers.image.version': chart.metadata.version,
      },
    }),
  );
  const res = await request(`${repo}/manifests/${chart.metadata.version}`, {
    method: 'PUT',
    ca,
    body: manifest,
    headers: { 'content-type': OCI_MANIFEST_MEDIA_TYPE, 'content-length': String(manifest.length) },
  });
  expect(res, 201, 'put manifest');
  return sha256(manifest);
}
