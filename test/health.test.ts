// The health stage (src/health: kubeconfig → HTTPS client → waitForFlux) against a real Kubernetes v1.35.4 API
// server, with Flux's own source- and kustomize-controllers reconciling from a real Git server: every state the wait
// judges is one Flux itself wrote. Two identities read it, as users give them: the admin's client certificate and a
// service-account token from `kubectl create token`, whose RBAC the real server enforces. The faults only a stand-in
// can produce (5xx, bodies that are not JSON, answers cut off mid-body) are in health-faults.test.ts.
import { execFile } from 'node:child_process';
import { mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { kubeClientFromFile } from '../src/kube/client.js';
import { renderHealthSection } from '../src/health/render.js';
import { objectRef, waitForFlux, type HealthReport } from '../src/health/wait.js';
import { startCluster, startGitServer, type Cluster, type GitServer } from './support/cluster.js';

const execFileAsync = promisify(execFile);
const NS = 'health';
const GIT_CA = 'git-ca';
let cluster: Cluster;
let git: GitServer;
let dir: string;
let revision: string;
const kubeconfigs = { admin: '', reader: '', insecure: '', sourceOnly: '', anonymous: '', badToken: '', wrongCa: '' };

const configMap = (name: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${NS}\ndata:\n  from: git\n`;

/**
 * Commits `files` to the `fleet` repository with git itself and pushes them to the Git server's root (created by the
 * first commit). Not through GitServer.commit: its plumbing runs through test/cluster/processes.ts run(), whose
 * stdin has no error listener, so a git exiting before its empty input is written raises an uncaught EPIPE that
 * fails the file. Resolves with Flux's name for the new revision.
 */
async function commitFleet(files: Record<string, string>): Promise<string> {
  const work = path.join(dir, 'fleet-work');
  const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
  const who = ['-c', 'user.name=health tests', '-c', 'user.email=tests@example.invalid'];
  const gitIn = async (...args: string[]) =>
    (await execFileAsync('git', ['-C', work, ...who, ...args], { env })).stdout;
  const bare = path.join(dir, 'git', 'repos', 'fleet.git');
  if (!(await fs.stat(bare).catch(() => undefined))) {
    await execFileAsync('git', ['init', '--quiet', '--bare', '--initial-branch=main', bare], { env });
    await execFileAsync('git', ['init', '--quiet', '--initial-branch=main', work], { env });
  }
  for (const [file, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(work, file)), { recursive: true });
    await fs.writeFile(path.join(work, file), content);
  }
  await gitIn('add', '.');
  await gitIn('commit', '--quiet', '-m', `Update ${Object.keys(files).join(', ')}`);
  await gitIn('push', '--quiet', bare, 'main');
  return `main@sha1:${(await gitIn('rev-parse', 'HEAD')).trim()}`;
}

const apply = (obj: object) => cluster.kubectl(['apply', '-f', '-'], JSON.stringify(obj));
const gitRepository = (name: string, repo = 'fleet') =>
  apply({
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name, namespace: NS },
    spec: { interval: '10m', timeout: '20s', url: git.url(repo), ref: { branch: 'main' }, secretRef: { name: GIT_CA } },
  });
// retryInterval 2 s: a failed or source-less Kustomization is retried within the test's patience.
const kustomization = (name: string, source: string, dir: string, extra: object = {}) =>
  apply({
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name, namespace: NS },
    spec: { interval: '10m', retryInterval: '2s', prune: true, path: dir, sourceRef: { kind: 'GitRepository', name: source }, ...extra }, // prettier-ignore
  });

/** A role allowed to `get` these Flux kinds in NS, bound to a new service account; resolves with a token for it. */
async function serviceAccountToken(name: string, resources: { group: string; kind: string }[]): Promise<string> {
  const [rbac, metadata] = ['rbac.authorization.k8s.io', { name, namespace: NS }];
  const rules = resources.map((r) => ({ apiGroups: [r.group], resources: [r.kind], verbs: ['get'] }));
  const roleRef = { apiGroup: rbac, kind: 'Role', name };
  const subjects = [{ kind: 'ServiceAccount', name, namespace: NS }];
  await apply({
    apiVersion: 'v1',
    kind: 'List',
    items: [
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata },
      { apiVersion: `${rbac}/v1`, kind: 'Role', metadata, rules },
      { apiVersion: `${rbac}/v1`, kind: 'RoleBinding', metadata, roleRef, subjects },
    ],
  });
  return (await cluster.kubectl(['create', 'token', name, `--namespace=${NS}`, '--duration=1h'])).trim();
}

/** A token kubeconfig as a CI secret holds one: the CA in a file next to it (null: insecure-skip-tls-verify). */
async function tokenKubeconfig(name: string, user: Record<string, string>, ca: string | null = cluster.caPem) {
  if (ca) await fs.writeFile(path.join(dir, `${name}.ca.crt`), ca);
  const trust = ca ? { 'certificate-authority': `${name}.ca.crt` } : { 'insecure-skip-tls-verify': true };
  const file = path.join(dir, `${name}.kubeconfig`);
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster: { server: cluster.server, ...trust } }],
    users: [{ name, user }],
    contexts: [{ name: 'test', context: { cluster: 'test', user: name } }],
    'current-context': 'test',
  };
  await fs.writeFile(file, stringify(config), { mode: 0o600 });
  return file;
}

/** One health wait as the stage runs it, polling every 200 ms; `onLine` sees each line as it is logged. */
async function waitFor(
  kubeconfig: string,
  names: { source: string; kustomization: string },
  timeoutSeconds = 60,
  onLine: (line: string) => void = () => {},
): Promise<HealthReport & { lines: string[] }> {
  const client = await kubeClientFromFile(kubeconfig, process.env);
  const targets = { namespace: NS, gitRepositoryName: names.source, kustomizationName: names.kustomization };
  const lines: string[] = [];
  const log = (line: string) => onLine(lines[lines.push(line) - 1]!);
  try {
    return { ...(await waitForFlux(client, targets, { timeoutSeconds, pollIntervalMs: 200, log })), lines };
  } finally {
    client.close();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'health-test-'));
  // Settled one by one, so that afterAll stops whichever did start when the other failed.
  const [c, g] = await Promise.allSettled([startCluster(), startGitServer({ dir: path.join(dir, 'git') })]);
  if (c.status === 'fulfilled') cluster = c.value;
  if (g.status === 'fulfilled') git = g.value;
  for (const r of [c, g]) if (r.status === 'rejected') throw r.reason;
  revision = await commitFleet({
    'ready/settings.yaml': configMap('ready-settings'),
    'late/settings.yaml': configMap('late-settings'),
    'paused/settings.yaml': configMap('paused-settings'),
    'moving/settings.yaml': configMap('moving-settings'),
  });
  await cluster.kubectl(['create', 'namespace', NS]);
  await cluster.kubectl(['create', 'secret', 'generic', GIT_CA, `--namespace=${NS}`, `--from-file=ca.crt=${git.caFile}`]); // prettier-ignore
  const source = { group: 'source.toolkit.fluxcd.io', kind: 'gitrepositories' };
  const kustomizations = { group: 'kustomize.toolkit.fluxcd.io', kind: 'kustomizations' };
  const [reader, sourceOnly] = await Promise.all([
    serviceAccountToken('flux-reader', [source, kustomizations]),
    serviceAccountToken('source-reader', [source]),
  ]);
  await fs.writeFile(path.join(dir, 'reader.token'), `${reader}\n`, { mode: 0o600 });
  kubeconfigs.admin = cluster.kubeconfigPath; // client certificate and CA inline
  kubeconfigs.reader = await tokenKubeconfig('reader', { tokenFile: 'reader.token' });
  kubeconfigs.insecure = await tokenKubeconfig('insecure', { token: reader }, null);
  kubeconfigs.sourceOnly = await tokenKubeconfig('source-only', { token: sourceOnly });
  kubeconfigs.anonymous = await tokenKubeconfig('anonymous', {});
  // The reader's token with the end of its signature changed: the server cannot authenticate it.
  kubeconfigs.badToken = await tokenKubeconfig('bad-token', { token: `${reader.slice(0, -4)}AAAA` });
  // The Git server's CA did not sign the API server's certificate.
  kubeconfigs.wrongCa = await tokenKubeconfig('wrong-ca', { token: reader }, git.caPem);
}, 300_000);

afterAll(async () => {
  await Promise.all([cluster?.stop(), git?.stop()]);
  if (dir) await fs.rm(dir, { recursive: true, force: true });
}, 60_000);

describe('before Flux is installed', () => {
  it("reads Flux's kinds not being served (the real server's plain-text 404) as not found yet", async () => {
    const client = await kubeClientFromFile(kubeconfigs.admin, process.env);
    try {
      expect(await client.getObject(objectRef('Kustomization', NS, 'ready'), 5000)).toEqual({
        status: 404,
        body: null,
      });
    } finally {
      client.close();
    }
    const report = await waitFor(kubeconfigs.admin, { source: 'fleet', kustomization: 'ready' }, 1);
    expect(report.outcome).toBe('timeout');
    expect(report.message).toBe(
      `Flux was not ready after 1 s: GitRepository ${NS}/fleet is waiting: not found yet; ` +
        `Kustomization ${NS}/ready is waiting: not found yet.`,
    );
  });
});

describe('with Flux reconciling from Git', () => {
  beforeAll(async () => {
    await cluster.startFluxControllers();
    await gitRepository('fleet');
  }, 180_000);

  it.each(['admin', 'reader', 'insecure'] as const)(
    'is ready once both objects are Ready, with the revision Flux applied (%s kubeconfig)',
    async (who) => {
      await kustomization('ready', 'fleet', './ready');
      const report = await waitFor(kubeconfigs[who], { source: 'fleet', kustomization: 'ready' });
      expect(report.outcome, report.message).toBe('ready');
      expect(report.health?.objects.map((o) => [o.object.kind, o.object.revision])).toEqual([
        ['GitRepository', revision],
        ['Kustomization', revision],
      ]);
      expect(report.message).toBe(
        `Flux is ready: GitRepository ${NS}/fleet is ready at ${revision}; Kustomization ${NS}/ready is ready at ${revision}.`,
      );
      // What Flux applied from Git is really there, and the summary shows Flux's own conditions.
      expect(await cluster.kubectl(['get', 'configmap', 'ready-settings', `--namespace=${NS}`, '-o', 'name'])).toBe(
        'configmap/ready-settings\n',
      );
      const section = renderHealthSection(report);
      expect(section).toContain(`applied \`${revision}\`, attempted \`${revision}\``);
      expect(section).toMatch(/\| Ready \| True \| Succeeded \| stored artifact for revision/);
      expect(section).toMatch(/\| Ready \| True \| ReconciliationSucceeded \| Applied revision: /);
    },
  );

  it("fails on a path that is not in the repository, with kustomize-controller's reason and message", async () => {
    await kustomization('missing-path', 'fleet', './does-not-exist');
    const report = await waitFor(kubeconfigs.reader, { source: 'fleet', kustomization: 'missing-path' });
    expect(report.outcome, report.message).toBe('failed');
    expect(report.message).toMatch(
      new RegExp(
        `^Kustomization ${NS}/missing-path is not ready: ArtifactFailed: kustomization path not found: ` +
          'stat /tmp/kustomization-\\d+/does-not-exist: no such file or directory$',
      ),
    );
    // The controller never records this attempt in lastAttemptedRevision; its Reconciling condition names it.
    const ks = report.health?.objects[1]?.object;
    expect([ks?.lastAttemptedRevision, ks?.reconcilingRevision]).toEqual([undefined, revision]);
  });

  it("fails on a GitRepository whose repository does not exist, with source-controller's reason", async () => {
    await gitRepository('no-repo', 'does-not-exist');
    await kustomization('no-repo', 'no-repo', './ready');
    const report = await waitFor(kubeconfigs.admin, { source: 'no-repo', kustomization: 'no-repo' });
    expect(report.outcome, report.message).toBe('failed');
    expect(report.message).toBe(
      `GitRepository ${NS}/no-repo is not ready: GitOperationFailed: failed to checkout and determine revision: ` +
        `unable to clone '${git.url('does-not-exist')}': repository not found: `,
    );
  });

  it('fails a suspended Kustomization, whether suspended before it reconciled or after it was Ready', async () => {
    const suspended = `is not ready: Suspended: spec.suspend is true: Flux does not reconcile it.`;
    await kustomization('suspended', 'fleet', './paused', { suspend: true });
    const never = await waitFor(kubeconfigs.reader, { source: 'fleet', kustomization: 'suspended' });
    expect(never.message).toBe(`Kustomization ${NS}/suspended ${suspended}`);
    expect(never.outcome).toBe('failed');

    await kustomization('paused', 'fleet', './paused');
    expect((await waitFor(kubeconfigs.reader, { source: 'fleet', kustomization: 'paused' })).outcome).toBe('ready');
    // As `flux suspend` does: a new generation that Flux will not reconcile, so Ready describes the previous one.
    await cluster.kubectl(['patch', 'kustomization', 'paused', `--namespace=${NS}`, '--type=merge', '-p', '{"spec":{"suspend":true}}']); // prettier-ignore
    const after = await waitFor(kubeconfigs.reader, { source: 'fleet', kustomization: 'paused' });
    expect(after.message).toBe(`Kustomization ${NS}/paused ${suspended}`);
    const ks = after.health?.objects[1]?.object;
    expect([ks?.generation, ks?.conditions.find((c) => c.type === 'Ready')?.status]).toEqual([2, 'True']);
  });

  it('waits while the objects are not created, then not reconciled, until both are Ready', async () => {
    // Each object is created only once the wait has logged the state before it, so every state is seen.
    const created: Promise<string>[] = [];
    const report = await waitFor(kubeconfigs.reader, { source: 'late', kustomization: 'late' }, 60, (line) => {
      if (created.length === 0 && line.includes(`Kustomization ${NS}/late is waiting: not found yet`))
        created.push(kustomization('late', 'late', './late'));
      else if (created.length === 1 && line.includes(`Kustomization ${NS}/late is waiting: Ready=False`))
        created.push(gitRepository('late'));
    });
    await Promise.all(created);
    expect(created).toHaveLength(2);
    expect(report.outcome, report.message).toBe('ready');
    expect(report.lines[0]).toBe(
      `GitRepository ${NS}/late is waiting: not found yet; Kustomization ${NS}/late is waiting: not found yet`,
    );
    expect(report.lines).toContainEqual(
      `GitRepository ${NS}/late is waiting: not found yet; Kustomization ${NS}/late is waiting: ` +
        `Ready=False before attempting the source's revision (ArtifactFailed: GitRepository.source.toolkit.fluxcd.io "late" not found)`,
    );
    expect(report.lines.at(-1)).toBe(
      `GitRepository ${NS}/late is ready at ${revision}; Kustomization ${NS}/late is ready at ${revision}`,
    );
  });

  it('waits on a Kustomization still at the previous revision once the source serves a new one', async () => {
    const controller = cluster.processes.find((p) => p.name === 'kustomize-controller')!;
    await kustomization('moving', 'fleet', './moving');
    expect((await waitFor(kubeconfigs.reader, { source: 'fleet', kustomization: 'moving' })).outcome).toBe('ready');
    const next = await commitFleet({ 'moving/more.yaml': configMap('more-settings') });
    // kustomize-controller frozen, so the state between the source's new artifact and its apply lasts.
    process.kill(-controller.pid, 'SIGSTOP');
    try {
      await cluster.kubectl(['annotate', '--overwrite', 'gitrepository/fleet', `--namespace=${NS}`, `reconcile.fluxcd.io/requestedAt=${next}`]); // prettier-ignore
      await cluster.waitForCondition('gitrepository/fleet', { namespace: NS, messageIncludes: next.slice(-40) });
      const stale = await waitFor(kubeconfigs.reader, { source: 'fleet', kustomization: 'moving' }, 1);
      expect(stale.message).toBe(
        `Flux was not ready after 1 s: GitRepository ${NS}/fleet is ready at ${next}; ` +
          `Kustomization ${NS}/moving is waiting: applied ${revision} yet, source has ${next}.`,
      );
    } finally {
      process.kill(-controller.pid, 'SIGCONT');
    }
    const moved = await waitFor(kubeconfigs.reader, { source: 'fleet', kustomization: 'moving' });
    expect([moved.outcome, moved.health?.objects[1]?.object.revision]).toEqual(['ready', next]);
    revision = next;
  });

  it('times out on an object that was never created, naming it', async () => {
    const report = await waitFor(kubeconfigs.reader, { source: 'fleet', kustomization: 'never-created' }, 2);
    expect(report.outcome).toBe('timeout');
    expect(report.polls).toBeGreaterThan(2);
    expect(report.message).toBe(
      `Flux was not ready after 2 s: GitRepository ${NS}/fleet is ready at ${revision}; ` +
        `Kustomization ${NS}/never-created is waiting: not found yet.`,
    );
  });

  // Waiting cannot fix these: the wait stops on its first poll, with the reason, never a stack trace.
  const refused = async (who: keyof typeof kubeconfigs) => {
    const report = await waitFor(kubeconfigs[who], { source: 'fleet', kustomization: 'ready' });
    expect([report.outcome, report.polls]).toEqual(['failed', 1]);
    return report.message.replace(`Health check: the Kubernetes API at ${cluster.server} `, '');
  };

  it('stops at once, with the API server’s reason, when the identity may not read Kustomizations (HTTP 403)', async () => {
    expect(await refused('sourceOnly')).toBe(
      'denied access (HTTP 403): kustomizations.kustomize.toolkit.fluxcd.io "ready" is forbidden: User ' +
        `"system:serviceaccount:${NS}:source-reader" cannot get resource "kustomizations" in API group ` +
        `"kustomize.toolkit.fluxcd.io" in the namespace "${NS}".`,
    );
  });

  it('stops at once without credentials (403, as system:anonymous), on a bad token (401) or an untrusted CA', async () => {
    expect(await refused('anonymous')).toMatch(
      /^denied access \(HTTP 403\): .* is forbidden: User "system:anonymous" cannot get resource "(gitrepositories|kustomizations)"/,
    );
    expect(await refused('badToken')).toBe("refused the kubeconfig's credentials (HTTP 401).");
    expect(await refused('wrongCa')).toBe(
      'presented a certificate the kubeconfig does not trust (UNABLE_TO_VERIFY_LEAF_SIGNATURE).',
    );
  });

  it('reports a frozen API server (connections open, no answer) as unreachable once the request times out', async () => {
    const apiserver = cluster.processes.find((p) => p.name === 'kube-apiserver')!;
    process.kill(-apiserver.pid, 'SIGSTOP'); // its whole process group, as a hung node freezes it
    try {
      const report = await waitFor(kubeconfigs.reader, { source: 'fleet', kustomization: 'ready' }, 1);
      // One poll, ended by the request's own deadline (10 s), not a socket timeout: the message names which.
      expect([report.outcome, report.polls]).toEqual(['timeout', 1]);
      expect(report.message).toBe(
        'Flux was not ready after 1 s: no answer from the Kubernetes API. ' +
          `Last error: cannot reach the Kubernetes API at ${cluster.server}: no answer within 10000 ms.`,
      );
    } finally {
      process.kill(-apiserver.pid, 'SIGCONT');
    }
  }, 30_000);

  // Last: it kills the API server.
  it('says it cannot reach the API server once that stops in the middle of the wait', async () => {
    const apiserver = cluster.processes.find((p) => p.name === 'kube-apiserver')!;
    let stopped: Promise<void> | undefined;
    const report = await waitFor(kubeconfigs.admin, { source: 'fleet', kustomization: 'never-created' }, 6, () => {
      stopped ??= apiserver.stop(0); // SIGKILL: gone at once, as when its node dies
    });
    await stopped;
    expect(report.outcome).toBe('timeout');
    const unreachable = `cannot reach the Kubernetes API at ${cluster.server}: connect ECONNREFUSED ${cluster.server.slice('https://'.length)}`;
    expect(report.lines).toContain(`Kubernetes API not answering yet: ${unreachable}`);
    // The last state Flux was seen in is kept, and the last error says why nothing newer was seen.
    expect(report.message).toBe(
      `Flux was not ready after 6 s: GitRepository ${NS}/fleet is ready at ${revision}; ` +
        `Kustomization ${NS}/never-created is waiting: not found yet. Last error: ${unreachable}.`,
    );
  });
});
