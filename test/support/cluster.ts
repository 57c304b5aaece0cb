// A real single-node Kubernetes control plane on 127.0.0.1 for the tests, from the binaries scripts/test-cluster.sh
// builds: etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok faking one node (no kubelet, no
// containers: kwok moves pods through their lifecycle). Flux's source- and kustomize-controllers start on demand.
// Every process runs under guard in its own process group (test/cluster/processes.ts) and logs into the cluster's
// temporary directory; the tails of those logs are in the error when start-up fails.
import { mkdtempSync, promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as plane from '../cluster/control-plane.js';
import { fluxControllers, type FluxStartOptions } from '../cluster/flux.js';
import { clusterBin, freePort, httpStatus, logTail, run, startManaged, waitUntil } from '../cluster/processes.js';
import type { Managed } from '../cluster/processes.js';

export { startGitServer, type GitServer, type GitServerOptions } from '../cluster/git-server.js';
export type { Managed } from '../cluster/processes.js';
export type { FluxStartOptions } from '../cluster/flux.js';

export interface ClusterOptions {
  /** Directory for certificates, data and logs; a new temporary one by default (removed by stop()). */
  dir?: string;
  /** Time allowed for each start-up step (default 60 s). */
  timeoutMs?: number;
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface ConditionWanted {
  namespace?: string;
  /** Default `Ready`. */
  type?: string;
  /** Default `True`. */
  status?: 'True' | 'False' | 'Unknown';
  messageIncludes?: string;
  timeoutMs?: number;
}

/** Milliseconds each start-up step took. */
export interface ClusterTimings {
  pki: number;
  etcd: number;
  apiserver: number;
  /** controller-manager, scheduler and kwok, started together, until the node is Ready and untainted. */
  nodeReady: number;
  total: number;
  fluxCrds?: number;
  fluxControllers?: number;
}

export interface Cluster {
  dir: string;
  kubeconfigPath: string;
  /** `https://127.0.0.1:<port>` */
  server: string;
  caPem: string;
  /** The admin's client certificate (O=system:masters) and key. */
  clientCertPem: string;
  clientKeyPem: string;
  nodeName: string;
  /** Every process started so far, the Flux controllers included once started. */
  processes: readonly Managed[];
  /** Runs kubectl against the cluster as admin; resolves with its stdout. */
  kubectl(args: string[], input?: string): Promise<string>;
  /** Polls `resource` (e.g. `gitrepository/app`) until its condition matches; resolves with that condition. */
  waitForCondition(resource: string, want?: ConditionWanted): Promise<Condition>;
  /** Applies the Flux CRDs and waits until every one is Established. */
  applyFluxCrds(): Promise<void>;
  /**
   * Applies the CRDs unless done (or `applyCrds: false`), waits until every CRD the controllers watch is
   * Established, starts source- and kustomize-controller and waits until both are ready.
   */
  startFluxControllers(opts?: FluxStartOptions): Promise<void>;
  /** Stops every process (clients, then the API server, then etcd) and removes the temporary directory. */
  stop(): Promise<void>;
  timings: ClusterTimings;
}

interface KubeObject {
  spec?: { taints?: unknown[] };
  status?: { conditions?: Condition[] };
}

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through vitest (test/global-setup.ts)`);
  return value;
}

const ok = (status: number | undefined) => (status === 200 ? true : undefined);

export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const started = performance.now();
  const dir = opts.dir ?? mkdtempSync(path.join(os.tmpdir(), 'flux-cluster-'));
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const bin = (name: string) => path.join(clusterBin(), name);
  const procs: Managed[] = [];
  const start = async (name: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}) => {
    const p = await startManaged(name, bin(name), args, { logDir: dir, env: { ...process.env, ...extraEnv } });
    procs.push(p);
    return p;
  };
  const stopAll = async () => {
    // Clients first, then the API server, then its storage: nothing spins on a vanished dependency meanwhile.
    const last = ['kube-apiserver', 'etcd'];
    await Promise.all(procs.filter((p) => !last.includes(p.name)).map((p) => p.stop()));
    for (const name of last) await Promise.all(procs.filter((p) => p.name === name).map((p) => p.stop()));
  };
  const timings: ClusterTimings = { pki: 0, etcd: 0, apiserver: 0, nodeReady: 0, total: 0 };
  const phase = async (key: 'pki' | 'etcd' | 'apiserver' | 'nodeReady', step: () => Promise<unknown>) => {
    const t = performance.now();
    await step();
    timings[key] = Math.round(performance.now() - t);
  };

  try {
    const layout: plane.Layout = {
      dir,
      pki: path.join(dir, 'pki'),
      ports: {
        etcd: await freePort(),
        peer: await freePort(),
        apiserver: await freePort(),
        controllerManager: await freePort(),
        scheduler: await freePort(),
        kwok: await freePort(),
      },
    };
    await phase('pki', () => run(bin('cluster-pki'), [layout.pki]));
    const read = (name: string) => readFileSync(path.join(layout.pki, name), 'utf8');
    const server = plane.apiserverUrl(layout);
    const caPem = read('ca.crt');
    for (const name of ['admin', 'controller-manager', 'scheduler']) {
      const config = plane.kubeconfig(server, caPem, read(`${name}.crt`), read(`${name}.key`));
      await fs.writeFile(path.join(dir, `${name}.kubeconfig`), config, { mode: 0o600 });
    }
    const kubeconfigPath = path.join(dir, 'admin.kubeconfig');
    const cacheDir = path.join(dir, 'kubectl-cache');
    const kubectl = async (args: string[], input?: string) =>
      (await run(bin('kubectl'), [`--kubeconfig=${kubeconfigPath}`, `--cache-dir=${cacheDir}`, ...args], { input }))
        .stdout;
    const tls = { ca: caPem, cert: read('admin.crt'), key: read('admin.key') };

    await phase('etcd', async () => {
      const etcd = await start('etcd', plane.etcdArgs(layout));
      const health = `${plane.etcdUrl(layout)}/health`;
      await waitUntil('etcd /health', async () => ok(await httpStatus(health)), { timeoutMs, watch: [etcd] });
    });
    await phase('apiserver', async () => {
      const apiserver = await start('kube-apiserver', plane.apiserverArgs(layout));
      await waitUntil('kube-apiserver /readyz', async () => ok(await httpStatus(`${server}/readyz`, tls)), {
        timeoutMs,
        watch: [apiserver],
      });
    });

    const nodeName = 'kwok-node-0';
    await phase('nodeReady', async () => {
      const watch = await Promise.all([
        start('kube-controller-manager', plane.controllerManagerArgs(layout)),
        start('kube-scheduler', plane.schedulerArgs(layout)),
        start('kwok', plane.kwokArgs(layout, env('FLUX_KWOK_STAGES'))),
      ]);
      // Their serving certificates are self-signed at start-up: the probe only asks whether they answer.
      for (const [what, port] of [
        ['kube-controller-manager', layout.ports.controllerManager],
        ['kube-scheduler', layout.ports.scheduler],
      ] as const) {
        const url = `https://127.0.0.1:${port}/healthz`;
        await waitUntil(`${what} /healthz`, async () => ok(await httpStatus(url, { rejectUnauthorized: false })), {
          timeoutMs,
          watch,
        });
      }
      await kubectl(['apply', '-f', '-'], JSON.stringify(plane.nodeManifest(nodeName)));
      // Untainted too: the node lifecycle controller's not-ready taint goes only after kwok reports Ready.
      const nodeReady = async () => {
        const node = JSON.parse(await kubectl(['get', 'node', nodeName, '-o', 'json'])) as KubeObject;
        const ready = node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
        return ready && !node.spec?.taints?.length ? true : undefined;
      };
      await waitUntil(`node ${nodeName} Ready and untainted`, nodeReady, { timeoutMs, watch, intervalMs: 200 });
      // Pods are admitted only once the namespace's default ServiceAccount exists (controller-manager makes it).
      const serviceAccount = async () =>
        (await kubectl(['get', 'serviceaccount', 'default', '-o', 'name'])) || undefined;
      await waitUntil('serviceaccount default', serviceAccount, { timeoutMs, watch, intervalMs: 200 });
    });
    timings.total = Math.round(performance.now() - started);

    const waitForCondition = (resource: string, want: ConditionWanted = {}) => {
      const type = want.type ?? 'Ready';
      const status = want.status ?? 'True';
      const args = ['get', resource, '-o', 'json', ...(want.namespace ? [`--namespace=${want.namespace}`] : [])];
      return waitUntil(
        `${resource} ${type}=${status}${want.messageIncludes ? ` "${want.messageIncludes}"` : ''}`,
        async () => {
          const obj = JSON.parse(await kubectl(args)) as KubeObject;
          const c = obj.status?.conditions?.find((x) => x.type === type);
          if (c?.status === status && (!want.messageIncludes || c.message?.includes(want.messageIncludes))) return c;
          // Thrown, not returned: the last status seen ends up in the timeout's message.
          throw new Error(`last conditions: ${JSON.stringify(obj.status?.conditions ?? [])}`);
        },
        { timeoutMs: want.timeoutMs ?? timeoutMs, intervalMs: 250 },
      );
    };
    const flux = fluxControllers({
      dir,
      crdsDir: env('FLUX_CLUSTER_CRDS'),
      kubeconfigPath,
      timeoutMs,
      kubectl,
      start,
      timings,
      waitForCondition,
    });
    return {
      dir,
      kubeconfigPath,
      server,
      caPem,
      clientCertPem: tls.cert,
      clientKeyPem: tls.key,
      nodeName,
      processes: procs,
      kubectl,
      waitForCondition,
      applyFluxCrds: flux.applyCrds,
      startFluxControllers: flux.start,
      timings,
      stop: async () => {
        await stopAll();
        if (!opts.dir) await fs.rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    const tails = await Promise.all(procs.map((p) => logTail(p.logPath)));
    await stopAll();
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`test cluster failed to start (logs kept in ${dir}): ${message}\n${tails.join('\n')}`, {
      cause: err,
    });
  }
}
