// The health wait against the Kubernetes API stand-in over real HTTPS: ready, not ready then ready, failing with
// Flux's reason, never ready (timeout), every supported kubeconfig form, and the failures waiting cannot fix.
import { mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { kubeClientFromFile, type KubeClient } from '../src/health/client.js';
import { KubeconfigError } from '../src/health/kubeconfig.js';
import { pollDelay, waitForFlux, type FluxTargets, type HealthReport } from '../src/health/wait.js';
import {
  startKubeApi,
  kubeconfigFor,
  type KubeApi,
  type KubeconfigAuth,
  type KubeconfigTrust,
  type ObjectState,
} from './support/kube-api.js';

const NS = 'flux-system';
const targets: FluxTargets = { namespace: NS, gitRepositoryName: 'flux-system', kustomizationName: 'apps' };
const REV = 'main@sha1:4f1c2b0e6f1d2a3b4c5d6e7f8091a2b3c4d5e6f7';

const sourceReady: ObjectState = {
  ready: { status: 'True', reason: 'Succeeded', message: `stored artifact for revision '${REV}'` },
  revision: REV,
};
const sourceFetching: ObjectState = {
  ready: { status: 'Unknown', reason: 'Progressing', message: 'building artifact: new upstream revision' },
  reconciling: { reason: 'Progressing', message: 'building artifact' },
};
const kustomizationReady: ObjectState = {
  ready: { status: 'True', reason: 'ReconciliationSucceeded', message: `Applied revision: ${REV}` },
  revision: REV,
  lastAttemptedRevision: REV,
};
const kustomizationWaitingForSource: ObjectState = {
  ready: { status: 'False', reason: 'ArtifactFailed', message: 'Source artifact not found, retrying in 30s' },
};

let api: KubeApi;
let dir: string;
beforeAll(async () => {
  api = await startKubeApi();
});
afterAll(() => api.close());
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'kubeconfig-'));
  api.requests.length = 0;
});

async function kubeconfigFile(auth: KubeconfigAuth = 'token', trust: KubeconfigTrust = 'ca-data'): Promise<string> {
  const file = path.join(dir, 'kubeconfig');
  await fs.writeFile(file, await kubeconfigFor(api, { auth, trust, dir }), { mode: 0o600 });
  return file;
}

async function wait(file: string, timeoutSeconds = 20): Promise<HealthReport & { lines: string[] }> {
  const client = await kubeClientFromFile(file);
  const lines: string[] = [];
  try {
    const report = await waitForFlux(client, targets, {
      timeoutSeconds,
      pollIntervalMs: 20,
      log: (l) => lines.push(l),
    });
    return { ...report, lines };
  } finally {
    client.close();
  }
}

describe('waitForFlux against the stand-in', () => {
  it('returns ready at once when both objects are ready, with their revisions', async () => {
    api.script('GitRepository', NS, 'flux-system', [sourceReady]);
    api.script('Kustomization', NS, 'apps', [kustomizationReady]);
    const report = await wait(await kubeconfigFile());
    expect(report.outcome).toBe('ready');
    expect(report.polls).toBe(1);
    expect(report.health?.objects.map((o) => [o.object.kind, o.object.revision])).toEqual([
      ['GitRepository', REV],
      ['Kustomization', REV],
    ]);
    expect(report.message).toContain(`Kustomization flux-system/apps is ready at ${REV}`);
    expect(api.requests.map((r) => r.path).sort()).toEqual([
      '/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/apps',
      '/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/flux-system',
    ]);
  });

  it('keeps polling through not found, then not ready, until ready', async () => {
    api.script('GitRepository', NS, 'flux-system', [null, sourceFetching, sourceFetching, sourceReady]);
    api.script('Kustomization', NS, 'apps', [
      null,
      kustomizationWaitingForSource,
      kustomizationWaitingForSource,
      kustomizationWaitingForSource,
      kustomizationReady,
    ]);
    const report = await wait(await kubeconfigFile());
    expect(report.outcome).toBe('ready');
    expect(report.polls).toBe(5);
    expect(api.reads('Kustomization', NS, 'apps')).toBe(5);
    expect(report.lines[0]).toContain('GitRepository flux-system/flux-system is waiting: not found yet');
    expect(report.lines.some((l) => l.includes('Ready=Unknown'))).toBe(true);
    expect(report.lines.at(-1)).toContain('is ready at');
  });

  it("fails with Flux's own reason and message as soon as the Kustomization fails on the served revision", async () => {
    const buildFailed: ObjectState = {
      ready: {
        status: 'False',
        reason: 'BuildFailed',
        message: 'kustomization path not found: stat /tmp/k/clusters/dev: no such file or directory',
      },
      reconciling: { reason: 'ProgressingWithRetry', message: 'retrying' },
      lastAttemptedRevision: REV,
    };
    api.script('GitRepository', NS, 'flux-system', [sourceFetching, sourceReady]);
    api.script('Kustomization', NS, 'apps', [kustomizationWaitingForSource, buildFailed, kustomizationReady]);
    const report = await wait(await kubeconfigFile());
    expect(report.outcome).toBe('failed');
    expect(report.polls).toBe(2);
    expect(report.message).toBe(
      'Kustomization flux-system/apps is not ready: BuildFailed: kustomization path not found: stat /tmp/k/clusters/dev: no such file or directory',
    );
  });

  it('fails on a Stalled GitRepository', async () => {
    api.script('GitRepository', NS, 'flux-system', [
      {
        ready: { status: 'False', reason: 'URLInvalid', message: 'bad url' },
        stalled: { reason: 'URLInvalid', message: "invalid URL 'git@host:org/repo'" },
      },
    ]);
    api.script('Kustomization', NS, 'apps', [kustomizationWaitingForSource]);
    const report = await wait(await kubeconfigFile());
    expect(report.outcome).toBe('failed');
    expect(report.message).toBe(
      "GitRepository flux-system/flux-system is not ready: URLInvalid: invalid URL 'git@host:org/repo'",
    );
  });

  it("times out when Flux never gets ready, reporting what it was waiting for in Flux's words", async () => {
    api.script('GitRepository', NS, 'flux-system', [sourceFetching]);
    api.script('Kustomization', NS, 'apps', [kustomizationWaitingForSource]);
    const report = await wait(await kubeconfigFile(), 0.3);
    expect(report.outcome).toBe('timeout');
    expect(report.polls).toBeGreaterThan(1);
    expect(report.message).toMatch(/^Flux was not ready after 0\.3 s: /);
    expect(report.message).toContain('building artifact: new upstream revision');
    expect(report.message).toContain('Source artifact not found, retrying in 30s');
  });

  it('gives the last poll, at the deadline, a real request timeout: a healthy API is never reported unreachable', async () => {
    api.script('GitRepository', NS, 'flux-system', [sourceFetching]);
    api.script('Kustomization', NS, 'apps', [kustomizationWaitingForSource]);
    const client = await kubeClientFromFile(await kubeconfigFile());
    // The API answers every request, each after 25 ms; like the HTTPS client, a shorter timeout is "no answer".
    const timeouts: number[] = [];
    const slow: KubeClient = {
      server: client.server,
      close: () => client.close(),
      async get(apiPath, timeoutMs) {
        timeouts.push(timeoutMs);
        await sleep(Math.min(25, timeoutMs));
        if (timeoutMs < 25)
          throw new Error(`cannot reach the Kubernetes API at ${client.server}: no answer within ${timeoutMs} ms`);
        return client.get(apiPath, timeoutMs);
      },
    };
    try {
      const report = await waitForFlux(slow, targets, { timeoutSeconds: 0.3, pollIntervalMs: 20 });
      expect(report.outcome).toBe('timeout');
      expect(report.message).toMatch(
        /^Flux was not ready after 0\.3 s: GitRepository flux-system\/flux-system is waiting/,
      );
      expect(report.message).not.toContain('no answer');
      expect(report.message).not.toContain('Last error');
      expect(Math.min(...timeouts)).toBeGreaterThanOrEqual(1000);
    } finally {
      client.close();
    }
  });

  it('retries server errors and reports the last one on timeout', async () => {
    api.script('GitRepository', NS, 'flux-system', [{ httpStatus: 503 }, { httpStatus: 503 }, sourceReady]);
    api.script('Kustomization', NS, 'apps', [kustomizationReady]);
    expect((await wait(await kubeconfigFile())).outcome).toBe('ready');
    api.script('GitRepository', NS, 'flux-system', [{ httpStatus: 500 }]);
    const report = await wait(await kubeconfigFile(), 0.2);
    expect(report.outcome).toBe('timeout');
    expect(report.message).toContain('Last error: HTTP 500 reading GitRepository flux-system/flux-system');
  });
});

describe('kubeconfig forms', () => {
  const forms: [KubeconfigAuth, KubeconfigTrust, string][] = [
    ['token', 'ca-data', 'token'],
    ['token-file', 'ca-file', 'token'],
    ['client-certificate-data', 'ca-data', 'client-certificate'],
    ['client-certificate-file', 'ca-file', 'client-certificate'],
    ['basic', 'insecure', 'basic'],
    ['token', 'insecure', 'token'],
  ];
  for (const [auth, trust, seen] of forms) {
    it(`reaches the API with ${auth} over ${trust}`, async () => {
      api.script('GitRepository', NS, 'flux-system', [sourceReady]);
      api.script('Kustomization', NS, 'apps', [kustomizationReady]);
      const report = await wait(await kubeconfigFile(auth, trust));
      expect(report.outcome).toBe('ready');
      expect(new Set(api.requests.map((r) => r.auth))).toEqual(new Set([seen]));
    });
  }

  it('stops at once on a certificate the kubeconfig does not trust', async () => {
    api.script('GitRepository', NS, 'flux-system', [sourceReady]);
    const report = await wait(await kubeconfigFile('token', 'wrong-ca'));
    expect(report.outcome).toBe('failed');
    expect(report.polls).toBe(1);
    expect(report.message).toMatch(/presented a certificate the kubeconfig does not trust \(/);
    expect(api.requests).toEqual([]);
  });

  it('stops at once when the API refuses the credentials, without printing them', async () => {
    const report = await wait(await kubeconfigFile('none', 'ca-data'));
    expect(report.outcome).toBe('failed');
    expect(report.polls).toBe(1);
    expect(report.message).toContain("refused the kubeconfig's credentials (HTTP 401)");
    expect(report.message).not.toContain(api.token);
  });

  it('names an unreadable certificate file without reading further', async () => {
    const file = await kubeconfigFile('token', 'ca-file');
    await fs.rm(path.join(dir, 'ca.crt'));
    await expect(kubeClientFromFile(file)).rejects.toThrow(KubeconfigError);
    await expect(kubeClientFromFile(file)).rejects.toThrow(
      `its certificate-authority file "ca.crt" cannot be read (ENOENT)`,
    );
  });
});

describe('pollDelay', () => {
  it('polls again after 1 s, then doubles up to the interval, never beyond it', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => pollDelay(n, 5000))).toEqual([1000, 2000, 4000, 5000, 5000, 5000]);
    expect([1, 2].map((n) => pollDelay(n, 20))).toEqual([20, 20]);
  });
});
