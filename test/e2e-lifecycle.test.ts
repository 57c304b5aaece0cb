// End to end, one repository's life with Flux on one real cluster, in order: a pull request on an empty cluster, its
// merge (apply, Flux Ready through its own controllers, Git content in the cluster), a re-run with no changes, path
// and interval changes, a path that does not exist, and removal with the CRDs kept. dist/index.js runs each step as
// the runner would; every step asserts what is in the cluster, not only what the run said.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommentMetadata } from '../src/report/comment.js';
import {
  configMap,
  devWorldInputs,
  OWNER,
  planActions,
  REPO,
  startFluxWorld,
  type FluxWorld,
} from './support/flux-world.js';

const TARGET = 'dev';
let world: FluxWorld;

beforeAll(async () => {
  world = await startFluxWorld({
    fleet: {
      'clusters/dev/greeting.yaml': configMap('fleet-dev', 'hello from dev'),
      'clusters/staging/greeting.yaml': configMap('fleet-staging', 'hello from staging'),
    },
    inputs: devWorldInputs,
  });
}, 600_000);

afterAll(async () => {
  await world?.stop();
}, 120_000);

const kubectlJson = async <T>(...args: string[]): Promise<T> =>
  JSON.parse(await world.cluster.kubectl(['get', ...args, '-o', 'json'])) as T;
const exists = async (...args: string[]): Promise<boolean> =>
  (await world.cluster.kubectl(['get', ...args, '--ignore-not-found', '-o', 'name'])).trim() !== '';
const greeting = async (name: string): Promise<string | undefined> =>
  (await exists('configmap', name, '-n', 'default'))
    ? (await kubectlJson<{ data: { greeting: string } }>('configmap', name, '-n', 'default')).data.greeting
    : undefined;
const fluxCrds = async () =>
  (
    await kubectlJson<{ items: { metadata: { name: string; annotations?: Record<string, string> } }[] }>('crd')
  ).items.filter((c) => c.metadata.name.endsWith('.toolkit.fluxcd.io'));
const commentsOf = (pr: number) => world.github.comments(OWNER, REPO, pr);

/** A merge whose apply installs the chart: Flux's controllers start once the chart's CRDs are there. */
async function mergeWithControllers(pr: number, headSha: string, inputs: Record<string, string> = {}) {
  const [run] = await Promise.all([world.merge(pr, headSha, inputs), world.fluxControllersAfterChart()]);
  return run;
}

describe('one repository, one cluster, from first pull request to removal', () => {
  let pr1Head = '';

  it('a. a pull request on an empty cluster plans the shipped root and posts one comment', async () => {
    const run = await world.pullRequest(1);
    pr1Head = run.headSha;
    expect(run.code, run.stdout.slice(-4000)).toBe(0);
    expect(run.outputs).toMatchObject({ 'plan-exitcode': '2', 'policy-result': 'pass', applied: 'false' });
    expect(planActions(run)).toEqual([
      'create module.flux[0].helm_release.flux',
      'create module.flux[0].kubectl_manifest.git_repository',
      'create module.flux[0].kubectl_manifest.kustomization',
    ]);
    const comments = commentsOf(1);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('On merge to main: this plan will be applied');
    expect(parseCommentMetadata(comments[0]!.body)).toMatchObject({ target: TARGET, status: 'planned' });
    // A plan changes nothing: no CRD, no release.
    expect(await fluxCrds()).toEqual([]);
    expect(await exists('secret', '-n', 'flux-system', '-l', 'owner=helm')).toBe(false);
  });

  it('b. its merge applies the reviewed plan: the release, Flux Ready through its controllers, Git content in the cluster', async () => {
    const run = await mergeWithControllers(1, pr1Head);
    expect(run.code, run.stdout.slice(-6000)).toBe(0);
    expect(run.outputs).toMatchObject({
      applied: 'true',
      'flux-namespace': 'flux-system',
      'git-repository-name': 'flux-system',
      'kustomization-name': 'flux-system',
    });
    expect(run.summary).toContain("This run's plan matches the plan reviewed in pull request #1");
    expect(run.summary).toContain('**Flux is ready.**');
    // What the chart installed: every Flux CRD, kept on uninstall; the controllers' Deployments Available.
    const crds = await fluxCrds();
    expect(crds.length).toBeGreaterThanOrEqual(10);
    expect(crds.every((c) => c.metadata.annotations?.['helm.sh/resource-policy'] === 'keep')).toBe(true);
    const deployments = await kubectlJson<{
      items: { metadata: { name: string }; status: { conditions?: { type: string; status: string }[] } }[];
    }>('deployments', '-n', 'flux-system');
    expect(deployments.items.map((d) => d.metadata.name)).toEqual(
      expect.arrayContaining(['source-controller', 'kustomize-controller', 'helm-controller']),
    );
    for (const d of deployments.items) {
      expect(d.status.conditions?.find((c) => c.type === 'Available')?.status, d.metadata.name).toBe('True');
    }
    // Flux's own controllers reconciled the objects the module declared, and applied what is in Git.
    await world.cluster.waitForCondition('gitrepository/flux-system', { namespace: 'flux-system' });
    await world.cluster.waitForCondition('kustomization/flux-system', { namespace: 'flux-system' });
    expect(await greeting('fleet-dev')).toBe('hello from dev');
    expect(parseCommentMetadata(commentsOf(1)[0]!.body)?.status).toBe('applied');
  });

  it('c. the same run again plans no changes: every managed resource is stable after apply', async () => {
    const run = await world.dispatch();
    expect(run.code, run.stdout.slice(-4000)).toBe(0);
    expect(run.outputs).toMatchObject({ 'plan-exitcode': '0', 'has-changes': 'false', applied: 'false' });
  });

  it('d. a path change is one in-place update of the Kustomization; its merge moves Flux to the new path', async () => {
    const inputs = { 'git-path': './clusters/staging' };
    const pr = await world.pullRequest(2, inputs);
    expect(pr.code, pr.stdout.slice(-4000)).toBe(0);
    expect(planActions(pr)).toEqual(['update module.flux[0].kubectl_manifest.kustomization']);
    const merged = await world.merge(2, pr.headSha, inputs);
    expect(merged.code, merged.stdout.slice(-4000)).toBe(0);
    expect(merged.outputs.applied).toBe('true');
    const ks = await kubectlJson<{ spec: { path: string } }>('kustomization', 'flux-system', '-n', 'flux-system');
    expect(ks.spec.path).toBe('./clusters/staging');
    await world.cluster.waitForCondition('kustomization/flux-system', { namespace: 'flux-system' });
    expect(await greeting('fleet-staging')).toBe('hello from staging');
    // prune: what the old path applied is gone.
    expect(await greeting('fleet-dev')).toBeUndefined();
  });

  it('d. an interval change updates both Flux objects in place', async () => {
    const inputs = { 'git-path': './clusters/staging', 'reconcile-interval': '2m' };
    const pr = await world.pullRequest(3, inputs);
    expect(pr.code, pr.stdout.slice(-4000)).toBe(0);
    expect(planActions(pr)).toEqual([
      'update module.flux[0].kubectl_manifest.git_repository',
      'update module.flux[0].kubectl_manifest.kustomization',
    ]);
    const merged = await world.merge(3, pr.headSha, inputs);
    expect(merged.code, merged.stdout.slice(-4000)).toBe(0);
    const source = await kubectlJson<{ spec: { interval: string } }>(
      'gitrepository',
      'flux-system',
      '-n',
      'flux-system',
    );
    expect(source.spec.interval).toBe('2m');
  });

  it('e. a path that does not exist fails the run with Flux’s own reason, and a re-run still checks health', async () => {
    const inputs = { 'git-path': './clusters/missing', 'reconcile-interval': '2m', 'health-timeout': '60s' };
    const pr = await world.pullRequest(4, inputs);
    expect(pr.code, pr.summary).toBe(0);
    expect(planActions(pr)).toEqual(['update module.flux[0].kubectl_manifest.kustomization']);
    const merged = await world.merge(4, pr.headSha, inputs);
    expect(merged.code, merged.summary + merged.stdout.slice(-3000)).toBe(1);
    expect(merged.outputs.applied).toBe('true');
    expect(merged.summary).toContain('kustomization path not found');
    const again = await world.dispatch(inputs);
    expect(again.outputs['plan-exitcode']).toBe('0');
    expect(again.code, again.summary).toBe(1);
    expect(again.summary).toContain('kustomization path not found');
  });

  it('h. removal: Flux’s objects and the release go, the CRDs and what Flux applied from Git stay', async () => {
    const back = { 'git-path': './clusters/staging', 'reconcile-interval': '2m' };
    const fixed = await world.pullRequest(5, back);
    expect((await world.merge(5, fixed.headSha, back)).code).toBe(0);

    const removal = { install: 'false', 'git-url': '' };
    const pr = await world.pullRequest(6, removal);
    expect(pr.code, pr.stdout.slice(-4000)).toBe(0);
    expect(planActions(pr)).toEqual([
      'delete module.flux[0].helm_release.flux',
      'delete module.flux[0].kubectl_manifest.git_repository',
      'delete module.flux[0].kubectl_manifest.kustomization',
    ]);
    const merged = await world.merge(6, pr.headSha, removal);
    expect(merged.code, merged.stdout.slice(-6000)).toBe(0);
    expect(merged.outputs.applied).toBe('true');
    expect(await exists('gitrepository', 'flux-system', '-n', 'flux-system')).toBe(false);
    expect(await exists('kustomization', 'flux-system', '-n', 'flux-system')).toBe(false);
    expect(await exists('deployment', 'source-controller', '-n', 'flux-system')).toBe(false);
    expect(await exists('secret', '-n', 'flux-system', '-l', 'owner=helm')).toBe(false);
    expect((await fluxCrds()).length).toBeGreaterThanOrEqual(10);
    // deletionPolicy Orphan (the module's default): the workload from Git keeps running.
    expect(await greeting('fleet-staging')).toBe('hello from staging');

    const after = await world.dispatch(removal);
    expect(after.code, after.stdout.slice(-4000)).toBe(0);
    expect(after.outputs['plan-exitcode']).toBe('0');
  });
});
