// The test cluster is real: a Kubernetes v1.35.4 control plane whose controllers run Deployments and Jobs on a
// kwok node, and Flux's real controllers reconciling from a real Git server over HTTPS. Nothing it starts outlives
// stop(), nor the test process when that is killed.
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, startGitServer, type Cluster, type GitServer } from './support/cluster.js';

const execFileAsync = promisify(execFile);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Process ids of every live process whose process group is one of `groups` (zombies are dead: not counted). */
async function groupMembers(groups: number[]): Promise<number[]> {
  const { stdout } = await execFileAsync('ps', ['-e', '-o', 'pid=,pgid=,stat=']);
  return stdout
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, pgid, stat]) => groups.includes(Number(pgid)) && !stat?.startsWith('Z'))
    .map(([pid]) => Number(pid));
}

const configMap = (name: string, greeting: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: default\ndata:\n  greeting: ${greeting}\n`;

describe('test cluster', () => {
  let cluster: Cluster;
  let git: GitServer;
  let privateGit: GitServer;
  const auth = { username: 'flux', password: 's3cret-pass' };

  beforeAll(async () => {
    // Settled one by one, so that afterAll stops whatever did start when another part failed.
    const [c, g, p] = await Promise.allSettled([startCluster(), startGitServer(), startGitServer({ auth })]);
    if (c.status === 'fulfilled') cluster = c.value;
    if (g.status === 'fulfilled') git = g.value;
    if (p.status === 'fulfilled') privateGit = p.value;
    for (const r of [c, g, p]) if (r.status === 'rejected') throw r.reason;
    console.log('cluster start-up (ms):', cluster.timings);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([cluster?.stop(), git?.stop(), privateGit?.stop()]);
  }, 60_000);

  const apply = (obj: object) => cluster.kubectl(['apply', '-f', '-'], JSON.stringify(obj));
  const getJson = async <T>(args: string[]) => JSON.parse(await cluster.kubectl(['get', ...args, '-o', 'json'])) as T;

  it('serves Kubernetes v1.35.4 to a v1.35.4 kubectl', async () => {
    const version = JSON.parse(await cluster.kubectl(['version', '-o', 'json'])) as Record<
      string,
      { gitVersion: string }
    >;
    expect(version.serverVersion?.gitVersion).toBe('v1.35.4');
    expect(version.clientVersion?.gitVersion).toBe('v1.35.4');
  });

  it('has one Ready kwok node without the kwok taint', async () => {
    const nodes = await getJson<{ items: { metadata: { name: string }; spec: { taints?: unknown[] } }[] }>(['nodes']);
    expect(nodes.items.map((n) => n.metadata.name)).toEqual([cluster.nodeName]);
    expect(nodes.items[0]!.spec.taints ?? []).toEqual([]);
    await cluster.waitForCondition(`node/${cluster.nodeName}`, { timeoutMs: 5000 });
  });

  it('runs a 3-replica Deployment to Available on the node', async () => {
    const labels = { app: 'web' };
    await apply({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        replicas: 3,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
      },
    });
    const t = performance.now();
    await cluster.waitForCondition('deployment/web', { namespace: 'default', type: 'Available', timeoutMs: 30_000 });
    console.log(`Deployment Available in ${Math.round(performance.now() - t)} ms`);
    const deployment = await getJson<{ status: { readyReplicas?: number } }>(['deployment', 'web', '-n', 'default']);
    expect(deployment.status.readyReplicas).toBe(3);
    const pods = await getJson<{ items: { spec: { nodeName?: string }; status: { phase: string } }[] }>([
      'pods', '-n', 'default', '-l', 'app=web']); // prettier-ignore
    expect(pods.items.map((p) => [p.spec.nodeName, p.status.phase])).toEqual(
      Array.from({ length: 3 }, () => [cluster.nodeName, 'Running']),
    );
  });

  it('completes a Job (kwok pod-complete stage)', async () => {
    await apply({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'once', namespace: 'default' },
      spec: {
        backoffLimit: 0,
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'once', image: 'busybox:1.36' }] } },
      },
    });
    await cluster.waitForCondition('job/once', { namespace: 'default', type: 'Complete', timeoutMs: 30_000 });
    const job = await getJson<{ status: { succeeded?: number; failed?: number } }>(['job', 'once', '-n', 'default']);
    expect(job.status.succeeded).toBe(1);
    expect(job.status.failed ?? 0).toBe(0);
  });

  describe('with Flux', () => {
    const ns = 'flux-system';
    const secret = (name: string, data: Record<string, string>) =>
      apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, stringData: data });
    const gitRepository = (name: string, url: string, secretName: string) =>
      apply({
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'GitRepository',
        metadata: { name, namespace: ns },
        spec: { interval: '1m', timeout: '20s', url, ref: { branch: 'main' }, secretRef: { name: secretName } },
      });
    const kustomization = (name: string, source: string, dir: string) =>
      apply({
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: { name, namespace: ns },
        spec: { interval: '1m', prune: true, path: dir, sourceRef: { kind: 'GitRepository', name: source } },
      });
    const timed = async <T>(label: string, step: () => Promise<T>) => {
      const t = performance.now();
      const value = await step();
      console.log(`${label} in ${Math.round(performance.now() - t)} ms`);
      return value;
    };

    beforeAll(async () => {
      await cluster.applyFluxCrds();
      await cluster.startFluxControllers();
      console.log('Flux CRDs and controllers (ms):', cluster.timings.fluxCrds, cluster.timings.fluxControllers);
    }, 120_000);

    it('serves every Flux CRD of both controllers', async () => {
      const crds = await getJson<{ items: { metadata: { name: string } }[] }>(['crds']);
      const names = crds.items.map((c) => c.metadata.name);
      for (const kind of ['gitrepositories', 'ocirepositories', 'buckets', 'helmrepositories', 'helmcharts'])
        expect(names).toContain(`${kind}.source.toolkit.fluxcd.io`);
      expect(names).toContain('kustomizations.kustomize.toolkit.fluxcd.io');
    });

    it('reconciles a public HTTPS repository (ca.crt) into the cluster', async () => {
      const sha = await git.commit('app', { 'deploy/settings.yaml': configMap('public-settings', 'hello-public') });
      await secret('public-ca', { 'ca.crt': git.caPem });
      await gitRepository('public', git.url('app'), 'public-ca');
      await kustomization('public', 'public', './deploy');
      const source = await timed('GitRepository Ready', () =>
        cluster.waitForCondition('gitrepository/public', { namespace: ns, timeoutMs: 60_000 }),
      );
      expect(source.reason).toBe('Succeeded');
      await timed('Kustomization Ready', () =>
        cluster.waitForCondition('kustomization/public', { namespace: ns, timeoutMs: 60_000 }),
      );
      const ks = await getJson<{ status: { lastAppliedRevision?: string } }>(['kustomization', 'public', '-n', ns]);
      expect(ks.status.lastAppliedRevision).toBe(`main@sha1:${sha}`);
      const cm = await getJson<{ data: Record<string, string> }>(['configmap', 'public-settings', '-n', 'default']);
      expect(cm.data.greeting).toBe('hello-public');
    });

    it('reconciles a private repository with username/password, and fails without them', async () => {
      await privateGit.commit('secret-app', { 'deploy/settings.yaml': configMap('private-settings', 'hello-private') });
      await secret('private-auth', { ...auth, 'ca.crt': privateGit.caPem });
      await secret('private-no-auth', { 'ca.crt': privateGit.caPem });
      await gitRepository('private', privateGit.url('secret-app'), 'private-auth');
      await gitRepository('private-anonymous', privateGit.url('secret-app'), 'private-no-auth');
      await kustomization('private', 'private', './deploy');
      await cluster.waitForCondition('gitrepository/private', { namespace: ns, timeoutMs: 60_000 });
      await cluster.waitForCondition('kustomization/private', { namespace: ns, timeoutMs: 60_000 });
      const cm = await getJson<{ data: Record<string, string> }>(['configmap', 'private-settings', '-n', 'default']);
      expect(cm.data.greeting).toBe('hello-private');
      const denied = await cluster.waitForCondition('gitrepository/private-anonymous', {
        namespace: ns,
        status: 'False',
        timeoutMs: 60_000,
      });
      expect(denied.message).toMatch(/authentication required|401/i);
    });

    it('reports a missing path as Ready=False "kustomization path not found"', async () => {
      await kustomization('missing-path', 'public', './does-not-exist');
      const ready = await cluster.waitForCondition('kustomization/missing-path', {
        namespace: ns,
        status: 'False',
        messageIncludes: 'kustomization path not found',
        timeoutMs: 60_000,
      });
      expect(ready.reason).toBe('ArtifactFailed');
    });
  });

  it('stop() ends every process it started, their process groups included', async () => {
    const pids = [...cluster.processes, git.process, privateGit.process].map((p) => p.pid);
    expect(pids.length).toBe(9); // etcd, apiserver, controller-manager, scheduler, kwok, 2 Flux, 2 Git servers
    expect(pids.every(alive)).toBe(true);
    const t = performance.now();
    await Promise.all([cluster.stop(), git.stop(), privateGit.stop()]);
    console.log(`stop() in ${Math.round(performance.now() - t)} ms`);
    expect(pids.filter(alive)).toEqual([]);
    expect(await groupMembers(pids)).toEqual([]);
  }, 60_000);
});

describe('guard', () => {
  it('kills its process group when its parent dies without cleaning up (SIGKILL)', async () => {
    const guard = path.join(process.env.FLUX_CLUSTER_BIN ?? '', 'guard');
    // A parent that starts guard the way test/cluster/processes.ts does, prints its pid and then hangs.
    const script = `const c = require('node:child_process').spawn(${JSON.stringify(guard)}, ['sleep', '300'],
      { detached: true, stdio: ['pipe', 'ignore', 'ignore'] }); c.on('spawn', () => console.log(c.pid));`;
    const parent = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const guardPid = await new Promise<number>((resolve) => parent.stdout.once('data', (d) => resolve(Number(d))));
      const members = async (count: number) => {
        const deadline = Date.now() + 10_000;
        let pids = await groupMembers([guardPid]);
        for (; pids.length !== count && Date.now() < deadline; pids = await groupMembers([guardPid]))
          await new Promise((r) => setTimeout(r, 100));
        return pids;
      };
      expect(await members(2)).toHaveLength(2); // guard and sleep
      parent.kill('SIGKILL');
      expect(await members(0)).toEqual([]);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
