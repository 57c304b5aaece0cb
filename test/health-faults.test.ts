// The health wait against faults a real Kubernetes API server cannot be made to produce on demand, so stand-ins
// over real HTTPS remain for them (everything a real server can do — Flux's states, 404, 401/403, TLS trust, a
// frozen or stopped API server — is in health.test.ts, against the real one):
//   - 5xx answers (test/support/kube-api.ts scripts them): a real API server sends them only when its storage is
//     broken, slowly and unpredictably; in production they come from the load balancer or proxy in front of it;
//   - bodies that are not JSON (a proxy's HTML page), and answers cut off, or trickling in, in the middle of the
//     body (a proxy or an API server dying mid-answer): the real server sends whole JSON, too fast to interrupt.
//     A small HTTPS server below serves those, with the stand-in's certificates.
import { mkdtempSync, promises as fs } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { kubeClientFromFile, requestError } from '../src/kube/client.js';
import { objectRef, waitForFlux, type FluxTargets, type HealthReport } from '../src/health/wait.js';
import {
  kubeconfigFor,
  kustomizationReady,
  makeCertificates,
  sourceReady,
  startKubeApi,
  type Certificates,
  type KubeApi,
} from './support/kube-api.js';

const NS = 'flux-system';
const targets: FluxTargets = { namespace: NS, gitRepositoryName: 'flux-system', kustomizationName: 'apps' };
const SOURCE_PATH = `/apis/source.toolkit.fluxcd.io/v1/namespaces/${NS}/gitrepositories/flux-system`;
const SOURCE = objectRef('GitRepository', NS, 'flux-system');

let certs: Certificates;
let api: KubeApi;
let faulty: https.Server;
let faultyUrl: string;
/** What the faulty server does with the next requests; reset by each test. */
let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(404).end();
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'health-faults-'));
  certs = makeCertificates();
  api = await startKubeApi(certs);
  faulty = https.createServer({ key: certs.serverKey, cert: certs.serverCert }, (req, res) => handler(req, res));
  await new Promise<void>((resolve) => faulty.listen(0, '127.0.0.1', resolve));
  faultyUrl = `https://127.0.0.1:${(faulty.address() as AddressInfo).port}`;
});

afterAll(async () => {
  faulty?.closeAllConnections();
  await Promise.all([
    api?.close(),
    faulty && new Promise((resolve) => faulty.close(resolve)),
    dir && fs.rm(dir, { recursive: true, force: true }),
    certs && fs.rm(certs.dir, { recursive: true, force: true }),
  ]);
});

async function wait(kubeconfig: string, timeoutSeconds: number): Promise<HealthReport & { lines: string[] }> {
  const file = path.join(dir, `kubeconfig-${Math.random().toString(36).slice(2)}`);
  await fs.writeFile(file, kubeconfig, { mode: 0o600 });
  const client = await kubeClientFromFile(file, process.env);
  const lines: string[] = [];
  try {
    const options = { timeoutSeconds, pollIntervalMs: 20, log: (l: string) => lines.push(l) };
    return { ...(await waitForFlux(client, targets, options)), lines };
  } finally {
    client.close();
  }
}

const standInKubeconfig = () => kubeconfigFor(api, { auth: 'token', trust: 'ca-data', dir });
/** The faulty server, trusted through the stand-in's CA; it checks no credentials. */
const faultyKubeconfig = () =>
  stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'f',
        cluster: { server: faultyUrl, 'certificate-authority-data': Buffer.from(certs.ca).toString('base64') },
      },
    ],
    users: [{ name: 'f', user: { token: 'faults-token' } }],
    contexts: [{ name: 'f', context: { cluster: 'f', user: 'f' } }],
    'current-context': 'f',
  });

describe('5xx from in front of the API server (stand-in)', () => {
  it('retries 503s and is ready once the API answers', async () => {
    api.script('GitRepository', NS, 'flux-system', [{ httpStatus: 503 }, { httpStatus: 503 }, sourceReady]);
    api.script('Kustomization', NS, 'apps', [kustomizationReady]);
    const report = await wait(await standInKubeconfig(), 20);
    expect([report.outcome, report.polls]).toEqual(['ready', 3]);
    expect(report.lines[0]).toBe(`Kubernetes API not answering yet: HTTP 503 reading GitRepository ${NS}/flux-system`);
  });

  it('times out on a 500 that never clears, naming it as the last error', async () => {
    api.script('GitRepository', NS, 'flux-system', [{ httpStatus: 500 }]);
    api.script('Kustomization', NS, 'apps', [kustomizationReady]);
    const report = await wait(await standInKubeconfig(), 0.3);
    expect(report.outcome).toBe('timeout');
    expect(report.polls).toBeGreaterThan(1);
    expect(report.message).toBe(
      'Flux was not ready after 0.3 s: no answer from the Kubernetes API. ' +
        `Last error: HTTP 500 reading GitRepository ${NS}/flux-system.`,
    );
  });
});

describe('answers that are not whole JSON (faulty HTTPS server)', () => {
  const html = '<html><body><h1>502 Bad Gateway</h1></body></html>';

  it("reads a proxy's HTML error page by its status alone, and retries it", async () => {
    handler = (req, res) =>
      req.url === SOURCE_PATH
        ? res.writeHead(502, { 'Content-Type': 'text/html' }).end(html)
        : res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"kind":"Status","code":404}');
    const report = await wait(faultyKubeconfig(), 0.3);
    expect(report.outcome).toBe('timeout');
    expect(report.polls).toBeGreaterThan(1);
    expect(report.message).toContain(`Last error: HTTP 502 reading GitRepository ${NS}/flux-system.`);
    expect(report.message).not.toContain('<html>');
  });

  it('never reads a 200 whose body is not JSON as ready', async () => {
    handler = (_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>Sign in</html>');
    const report = await wait(faultyKubeconfig(), 0.3);
    expect(report.outcome).toBe('timeout');
    expect(report.health?.state).toBe('waiting');
    expect(report.message).not.toContain('Sign in');
  });

  it('ends by its deadline when answers are cut off in the middle of the body', async () => {
    handler = (req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '4096' });
      res.write('{"apiVersion":"source.toolkit.fluxcd.io/v1","kind":"GitRep');
      setTimeout(() => req.socket.destroy(), 20);
    };
    const report = await wait(faultyKubeconfig(), 0.5);
    expect(report.outcome).toBe('timeout');
    expect(report.message).toMatch(
      new RegExp(`Last error: cannot reach the Kubernetes API at ${faultyUrl}: other side closed\\.$`),
    );
  }, 15_000);

  it('gives up on an answer that trickles in, a byte at a time, once the request timeout passes', async () => {
    // Each byte comes sooner than the timeout: a socket idle timeout would wait for all 4096 of them (7 minutes).
    handler = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '4096' });
      const drip = setInterval(() => res.write(' '), 100);
      res.on('close', () => clearInterval(drip));
    };
    const file = path.join(dir, 'trickle.kubeconfig');
    await fs.writeFile(file, faultyKubeconfig(), { mode: 0o600 });
    const client = await kubeClientFromFile(file, process.env);
    try {
      await expect(client.getObject(SOURCE, 500)).rejects.toThrow(
        `cannot reach the Kubernetes API at ${faultyUrl}: no answer within 500 ms`,
      );
    } finally {
      client.close();
    }
  });
});

// What the trickle and the frozen server above showed once under load: the deadline's DOMException has a numeric
// code (23) too, and was once taken for an HTTP status ("HTTP 23"). Pure, so it is pinned without timing.
describe('a request error', () => {
  it('is a timeout when the deadline aborted it, never an HTTP status', () => {
    const aborted = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    for (const error of [aborted, new Error('fetch failed', { cause: aborted })])
      expect(requestError(error, 'https://127.0.0.1:6443', 500).message).toBe(
        'cannot reach the Kubernetes API at https://127.0.0.1:6443: no answer within 500 ms',
      );
  });
});
