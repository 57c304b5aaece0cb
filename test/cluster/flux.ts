// Flux's source- and kustomize-controllers as processes next to the test cluster's control plane, with the CRDs
// scripts/test-cluster.sh took from their modules.
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { flags } from './control-plane.js';
import { freePort, httpStatus, logTail, waitUntil, type Managed } from './processes.js';

export interface FluxDeps {
  dir: string;
  crdsDir: string;
  kubeconfigPath: string;
  timeoutMs: number;
  kubectl(args: string[], input?: string): Promise<string>;
  start(name: string, args: string[], env: NodeJS.ProcessEnv): Promise<Managed>;
  timings: { fluxCrds?: number; fluxControllers?: number };
  waitForCondition(resource: string, want: { type: string }): Promise<unknown>;
}

export interface FluxStartOptions {
  /**
   * Apply the controllers' own CRDs first (default). False when something else installs them, such as the flux2
   * chart: the controllers then start once every CRD they watch is Established, whoever made it.
   */
  applyCrds?: boolean;
}

/** The names of the CRDs in `dir` (one CustomResourceDefinition per file, as controller-gen writes them). */
async function crdNames(dir: string): Promise<string[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
  const docs = await Promise.all(files.map(async (f) => parse(await readFile(path.join(dir, f), 'utf8')) as Crd));
  return docs.map((doc) => doc.metadata.name);
}

interface Crd {
  metadata: { name: string };
}

export function fluxControllers(d: FluxDeps) {
  let crdsApplied = false;
  // Polled rather than `kubectl wait`, which fails at once on a CRD not created yet (e.g. a chart still installing).
  const waitEstablished = async () => {
    for (const name of await crdNames(d.crdsDir))
      await d.waitForCondition(`customresourcedefinition/${name}`, { type: 'Established' });
  };

  const applyCrds = async () => {
    const t = performance.now();
    await d.kubectl(['apply', '--server-side', '-f', d.crdsDir]);
    await waitEstablished();
    crdsApplied = true;
    d.timings.fluxCrds = Math.round(performance.now() - t);
  };

  const start = async ({ applyCrds: apply = true }: FluxStartOptions = {}) => {
    if (apply && !crdsApplied) await applyCrds();
    // source-controller exits if any kind it watches is not served yet: every CRD must be Established first.
    await waitEstablished();
    const t = performance.now();
    const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'flux-system' } };
    await d.kubectl(['apply', '-f', '-'], JSON.stringify(namespace));
    const port = {
      storage: await freePort(),
      sourceHealth: await freePort(),
      sourceMetrics: await freePort(),
      kustomizeHealth: await freePort(),
      kustomizeMetrics: await freePort(),
    };
    // The controllers read KUBECONFIG (they have no flag for it) and RUNTIME_NAMESPACE; they watch every namespace.
    const env = { KUBECONFIG: d.kubeconfigPath, RUNTIME_NAMESPACE: 'flux-system' };
    const common = (health: number, metrics: number) =>
      flags({
        'watch-all-namespaces': true,
        'enable-leader-election': false,
        'health-addr': `127.0.0.1:${health}`,
        'metrics-addr': `127.0.0.1:${metrics}`,
        'log-encoding': 'console',
      });
    const storageAddr = `127.0.0.1:${port.storage}`;
    const storagePath = path.join(d.dir, 'source-storage');
    await mkdir(storagePath, { recursive: true }); // it refuses a directory that does not exist
    const source = await d.start(
      'source-controller',
      [
        ...common(port.sourceHealth, port.sourceMetrics),
        ...flags({
          'storage-path': storagePath,
          'storage-addr': storageAddr,
          // kustomize-controller downloads artifacts from the address advertised here.
          'storage-adv-addr': storageAddr,
        }),
      ],
      env,
    );
    const kustomize = await d.start('kustomize-controller', common(port.kustomizeHealth, port.kustomizeMetrics), env);
    try {
      for (const [name, health] of [
        ['source-controller', port.sourceHealth],
        ['kustomize-controller', port.kustomizeHealth],
      ] as const) {
        await waitUntil(
          `${name} /readyz`,
          async () => ((await httpStatus(`http://127.0.0.1:${health}/readyz`)) === 200 ? true : undefined),
          { timeoutMs: d.timeoutMs, watch: [source, kustomize] },
        );
      }
    } catch (err) {
      const tails = await Promise.all([source, kustomize].map((p) => logTail(p.logPath)));
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n${tails.join('\n')}`, { cause: err });
    }
    d.timings.fluxControllers = Math.round(performance.now() - t);
  };

  return { applyCrds, start };
}
