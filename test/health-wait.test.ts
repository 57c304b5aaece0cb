// The health wait against the Kubernetes API stand-in over real HTTPS: ready, not ready then ready, failing with
// Flux's reason, never ready (timeout), every supported kubeconfig form, and the failures waiting cannot fix.
import { mkdtempSync, promises as fs } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeconfigError, kubeClientFromFile, type KubeClient } from '../src/kube/client.js';
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
  const client = await kubeClientFromFile(file, process.env);
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
    const client = await kubeClientFromFile(await kubeconfigFile(), process.env);
    // The API answers every request, each after 25 ms; like the HTTPS client, a shorter timeout is "no answer".
    const timeouts: number[] = [];
    const slow: KubeClient = {
      ...client,
      async getObject(ref, timeoutMs) {
        timeouts.push(timeoutMs);
        await sleep(Math.min(25, timeoutMs));
        if (timeoutMs < 25)
          throw new Error(`cannot reach the Kubernetes API at ${client.server}: no answer within ${timeoutMs} ms`);
        return client.getObject(ref, timeoutMs);
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
    await expect(kubeClientFromFile(file, process.env)).rejects.toThrow(KubeconfigError);
    await expect(kubeClientFromFile(file, process.env)).rejects.toThrow(
      `its certificate-authority file "${path.join(dir, 'ca.crt')}" cannot be read (ENOENT)`,
    );
  });
});

/** Rewrites the kubeconfig at `file`: `edit` changes its only cluster and user in place. */
async function editKubeconfig(
  file: string,
  edit: (cluster: Record<string, unknown>, user: Record<string, unknown>) => void,
) {
  const doc = parse(await fs.readFile(file, 'utf8')) as {
    clusters: { cluster: Record<string, unknown> }[];
    users: { user: Record<string, unknown> }[];
  };
  edit(doc.clusters[0]!.cluster, doc.users[0]!.user);
  await fs.writeFile(file, stringify(doc), { mode: 0o600 });
  return file;
}

/** An exec plugin as a shell script: prints `credential` (an ExecCredential) after recording its args and env. */
async function plugin(script: string): Promise<string> {
  const file = path.join(dir, 'plugin.sh');
  await fs.writeFile(file, `#!/bin/sh\n${script}\n`, { mode: 0o700 });
  return file;
}

describe('kubeconfig features the library brings', () => {
  const ready = () => {
    api.script('GitRepository', NS, 'flux-system', [sourceReady]);
    api.script('Kustomization', NS, 'apps', [kustomizationReady]);
  };

  it('verifies the certificate against tls-server-name when the server address is not in it', async () => {
    ready();
    // The stand-in's certificate names 127.0.0.1 and kubernetes.test, not localhost.
    const local = (cluster: Record<string, unknown>) => (cluster.server = api.url.replace('127.0.0.1', 'localhost'));
    const without = await wait(await editKubeconfig(await kubeconfigFile(), local));
    expect(without.message).toMatch(/does not trust \(ERR_TLS_CERT_ALTNAME_INVALID\)/);
    const named = await editKubeconfig(await kubeconfigFile(), (c) => (local(c), (c['tls-server-name'] = 'kubernetes.test'))); // prettier-ignore
    expect((await wait(named)).outcome).toBe('ready');
  });

  it('goes through the proxy of proxy-url (HTTP CONNECT)', async () => {
    ready();
    const tunnels: string[] = [];
    const proxy = http.createServer();
    proxy.on('connect', (req, socket) => {
      tunnels.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(':');
      const upstream = net.connect(Number(port), host, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(socket).pipe(upstream);
      });
      upstream.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      const file = await editKubeconfig(await kubeconfigFile(), (c) => (c['proxy-url'] = proxyUrl));
      expect((await wait(file)).outcome).toBe('ready');
      expect(tunnels.length).toBeGreaterThan(0);
      expect(new Set(tunnels)).toEqual(new Set([api.url.slice('https://'.length)]));
    } finally {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it("runs an exec plugin with the kubeconfig's args and env, without the action's inputs, told it has no terminal", async () => {
    ready();
    const seen = path.join(dir, 'plugin-saw');
    const command = await plugin(
      `{ echo "args=$*"; echo "region=$AWS_REGION"; echo "input=\${INPUT_KUBECONFIG:-none}"; echo "info=$KUBERNETES_EXEC_INFO"; } > ${seen}\n` +
        `printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"${api.token}"}}'`,
    );
    const file = await editKubeconfig(await kubeconfigFile('none'), (_c, user) => {
      user.exec = {
        apiVersion: 'client.authentication.k8s.io/v1',
        command,
        args: ['eks', 'get-token', '--cluster-name', 'dev'],
        env: [{ name: 'AWS_REGION', value: 'eu-west-1' }],
        interactiveMode: 'IfAvailable',
      };
    });
    const client = await kubeClientFromFile(file, { PATH: process.env.PATH });
    try {
      const report = await waitForFlux(client, targets, { timeoutSeconds: 5, pollIntervalMs: 20 });
      expect(report.outcome, report.message).toBe('ready');
    } finally {
      client.close();
    }
    expect(new Set(api.requests.map((r) => r.auth))).toEqual(new Set(['token']));
    const lines = (await fs.readFile(seen, 'utf8')).trim().split('\n');
    expect(lines.slice(0, 3)).toEqual(['args=eks get-token --cluster-name dev', 'region=eu-west-1', 'input=none']);
    expect(JSON.parse(lines[3]!.slice('info='.length))).toEqual({
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      spec: { interactive: false },
    });
  });

  it("gives a plugin that asks for it the cluster (provideClusterInfo), the CA read from the kubeconfig's file", async () => {
    ready();
    const seen = path.join(dir, 'plugin-info');
    const command = await plugin(
      `echo "$KUBERNETES_EXEC_INFO" > ${seen}\n` +
        `printf '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"${api.token}"}}'`,
    );
    const file = await editKubeconfig(await kubeconfigFile('none', 'ca-file'), (_c, user) => {
      user.exec = { apiVersion: 'client.authentication.k8s.io/v1beta1', command, provideClusterInfo: true };
    });
    expect((await wait(file)).outcome).toBe('ready');
    const info = JSON.parse(await fs.readFile(seen, 'utf8')) as { spec: { cluster: Record<string, unknown> } };
    expect(info).toMatchObject({
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      kind: 'ExecCredential',
      spec: { interactive: false, cluster: { server: api.url } },
    });
    const ca = Buffer.from(String(info.spec.cluster['certificate-authority-data']), 'base64').toString('utf8');
    expect(ca).toBe(api.certs.ca);
  });

  it("names a plugin that is not installed, with the kubeconfig's installHint", async () => {
    const command = path.join(dir, 'no-such-plugin');
    const installHint = 'kubelogin is required: https://azure.github.io/kubelogin/install.html';
    const file = await editKubeconfig(await kubeconfigFile('none'), (_c, user) => {
      user.exec = { apiVersion: 'client.authentication.k8s.io/v1', command, installHint };
    });
    const report = await wait(file);
    expect([report.outcome, report.polls]).toEqual(['failed', 1]);
    expect(report.message).toMatch(/^Health check: the kubeconfig's exec plugin could not run: .*ENOENT/);
    expect(report.message).toContain(`. ${installHint}`);
    expect(api.requests).toEqual([]);
  });

  it("stops at once on a failing exec plugin, with the plugin's stderr", async () => {
    const command = await plugin(`echo 'error: SSO session expired; run aws sso login' >&2\nexit 255`);
    const file = await editKubeconfig(await kubeconfigFile('none'), (_c, user) => {
      user.exec = { apiVersion: 'client.authentication.k8s.io/v1beta1', command };
    });
    const report = await wait(file);
    expect([report.outcome, report.polls]).toEqual(['failed', 1]);
    expect(report.message).toBe(
      `Health check: the kubeconfig's exec plugin "${command}" failed (exit 255): error: SSO session expired; run aws sso login`,
    );
    expect(api.requests).toEqual([]);
  });

  it('refuses an exec plugin that needs a terminal, and auth providers kubectl dropped, before any request', async () => {
    const always = await editKubeconfig(await kubeconfigFile('none'), (_c, user) => {
      user.exec = { apiVersion: 'client.authentication.k8s.io/v1', command: 'kubelogin', interactiveMode: 'Always' };
    });
    await expect(kubeClientFromFile(always, process.env)).rejects.toThrow(
      /^Input 'kubeconfig': user "ci" has an exec plugin \("kubelogin"\) with interactiveMode Always: it needs a terminal/,
    );
    const gcp = await editKubeconfig(await kubeconfigFile('none'), (_c, user) => {
      user['auth-provider'] = { name: 'gcp', config: { 'cmd-path': 'gcloud' } };
    });
    await expect(kubeClientFromFile(gcp, process.env)).rejects.toThrow(
      /auth provider "gcp", which kubectl and OpenTofu/,
    );
    expect(api.requests).toEqual([]);
  });
});

describe('pollDelay', () => {
  it('polls again after 1 s, then doubles up to the interval, never beyond it', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => pollDelay(n, 5000))).toEqual([1000, 2000, 4000, 5000, 5000, 5000]);
    expect([1, 2].map((n) => pollDelay(n, 20))).toEqual([20, 20]);
  });
});
