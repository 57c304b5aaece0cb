// End to end on a real cluster, the credentials a user brings and the check before apply (issue 13): an exec-plugin
// kubeconfig (the plugin a script printing an ExecCredential with a service-account token from the TokenRequest
// API) plans, applies and passes the health wait through dist/index.js; then, with Flux installed, the shipped
// planner identity (deploy/planner-rbac.yaml) plans a change and is refused before apply by the check, as are a
// token with only namespace rights and an exec plugin that fails. Each refusal asserts the cluster did not change.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { repoRoot } from './support/action-runner.js';
import { parseCommentMetadata } from '../src/report/comment.js';
import {
  OWNER,
  REPO,
  configMap,
  devWorldInputs,
  planActions,
  startFluxWorld,
  type FluxWorld,
} from './support/flux-world.js';

let world: FluxWorld;

beforeAll(async () => {
  world = await startFluxWorld({
    fleet: { 'clusters/dev/greeting.yaml': configMap('fleet-dev', 'hello from dev') },
    inputs: devWorldInputs,
  });
}, 600_000);

afterAll(async () => {
  await world?.stop();
}, 120_000);

const kubectl = (...args: string[]) => world.cluster.kubectl(args);
const apply = (obj: object) => world.cluster.kubectl(['apply', '-f', '-'], JSON.stringify(obj));

/** A service account in `namespace`, bound as `bindings` say; resolves with a token from the TokenRequest API. */
async function serviceAccountToken(name: string, bindings: { clusterRole: string; namespace?: string }[]) {
  const rbac = 'rbac.authorization.k8s.io';
  const subjects = [{ kind: 'ServiceAccount', name, namespace: 'default' }];
  await apply({
    apiVersion: 'v1',
    kind: 'List',
    items: [
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: 'default' } },
      ...bindings.map((b, i) => ({
        apiVersion: `${rbac}/v1`,
        kind: b.namespace ? 'RoleBinding' : 'ClusterRoleBinding',
        metadata: { name: `${name}-${i}`, ...(b.namespace ? { namespace: b.namespace } : {}) },
        roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: b.clusterRole },
        subjects,
      })),
    ],
  });
  return (await kubectl('create', 'token', name, '--namespace=default', '--duration=2h')).trim();
}

/** A kubeconfig for the test cluster with `user` as its credentials, the CA inline. */
function kubeconfig(user: Record<string, unknown>): string {
  const ca = Buffer.from(world.cluster.caPem).toString('base64');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'dev', cluster: { server: world.cluster.server, 'certificate-authority-data': ca } }],
    users: [{ name: 'ci', user }],
    contexts: [{ name: 'dev', context: { cluster: 'dev', user: 'ci' } }],
    'current-context': 'dev',
  });
}

/** An exec plugin: a script in the test's directory, run by the action and by OpenTofu's providers alike. */
async function execPlugin(name: string, body: string): Promise<Record<string, unknown>> {
  const command = path.join(world.cluster.dir, `${name}.sh`);
  await fs.writeFile(command, `#!/bin/sh\n${body}\n`, { mode: 0o700 });
  return { exec: { apiVersion: 'client.authentication.k8s.io/v1', command, args: ['token', '--cluster', 'dev'], interactiveMode: 'Never' } }; // prettier-ignore
}

const credential = (token: string) =>
  `printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}' '${token}'`;

const interval = async () =>
  (await kubectl('get', 'gitrepository', 'flux-system', '-n', 'flux-system', '-o', 'jsonpath={.spec.interval}')).trim();

const plannerKubeconfig = async () => {
  await kubectl('apply', '-f', path.join(repoRoot, 'deploy', 'planner-rbac.yaml'));
  const token = (
    await kubectl('create', 'token', 'flux-bootstrap-planner', '--namespace=flux-system', '--duration=2h')
  ).trim();
  return kubeconfig({ token });
};

describe('credentials and the check before apply, on a real cluster', () => {
  let deployerToken = '';

  it('the planner identity plans the first install on a cluster without Flux, as the quick start’s plan job does', async () => {
    const pr = await world.pullRequest(10, { kubeconfig: await plannerKubeconfig() });
    expect(pr.code, pr.stdout.slice(-6000)).toBe(0);
    expect(pr.outputs['plan-exitcode']).toBe('2');
    expect(planActions(pr)).toEqual([
      'create module.flux[0].helm_release.flux',
      'create module.flux[0].kubectl_manifest.git_repository',
      'create module.flux[0].kubectl_manifest.kustomization',
    ]);
  });

  it('an exec-plugin kubeconfig plans, applies and passes the health wait', async () => {
    deployerToken = await serviceAccountToken('deployer', [{ clusterRole: 'cluster-admin' }]);
    const inputs = { kubeconfig: kubeconfig(await execPlugin('deployer', credential(deployerToken))) };
    const pr = await world.pullRequest(1, inputs);
    expect(pr.code, pr.stdout.slice(-4000)).toBe(0);
    expect(planActions(pr)).toContain('create module.flux[0].helm_release.flux');
    const [merged] = await Promise.all([world.merge(1, pr.headSha, inputs), world.fluxControllersAfterChart()]);
    expect(merged.code, merged.stdout.slice(-6000)).toBe(0);
    expect(merged.outputs.applied).toBe('true');
    expect(merged.summary).toContain(
      'The cluster is reachable and user "system:serviceaccount:default:deployer" (exec plugin deployer.sh) may do what the apply needs',
    );
    expect(merged.summary).toContain('**Flux is ready.**');
    expect(await interval()).toBe('1m');
    // The plugin's token is a secret: masked, and nowhere in what the run wrote.
    expect(merged.stdout).toContain(`::add-mask::${deployerToken}`);
    expect(merged.summary).not.toContain(deployerToken);
  });

  let changeHead = '';
  const change = { 'reconcile-interval': '3m' };

  it('the planner identity plans a change on the cluster with Flux installed, and the check refuses to apply it', async () => {
    const inputs = { ...change, kubeconfig: await plannerKubeconfig() };
    const pr = await world.pullRequest(2, inputs);
    expect(pr.code, pr.stdout.slice(-6000)).toBe(0);
    expect(pr.outputs['plan-exitcode']).toBe('2');
    expect(planActions(pr)).toEqual([
      'update module.flux[0].kubectl_manifest.git_repository',
      'update module.flux[0].kubectl_manifest.kustomization',
    ]);
    changeHead = pr.headSha;

    const merged = await world.merge(2, changeHead, inputs);
    expect(merged.code, merged.stdout.slice(-6000)).toBe(1);
    expect(merged.outputs.applied).toBe('false');
    const who = 'user "system:serviceaccount:flux-system:flux-bootstrap-planner" (token)';
    expect(merged.outputs['apply-skipped-reason']).toContain(`Not applying: ${who} lacks permissions the apply needs`);
    expect(merged.summary).toContain(
      `${who} may not do everything to every resource cluster-wide, which installing the Flux chart needs`,
    );
    expect(merged.summary).toContain(`${who} may not patch gitrepositories.source.toolkit.fluxcd.io in namespace flux-system`); // prettier-ignore
    expect(merged.stdout).not.toMatch(/tofu apply|Apply complete/);
    expect(await interval()).toBe('1m');
    // The reviewed comment says the plan was not applied, and why in one line; the reasons stay in the run.
    const [comment] = world.github.comments(OWNER, REPO, 2);
    expect(parseCommentMetadata(comment!.body)?.status).toBe('not-applied');
    expect(comment!.body).toContain(`**Not applied on main**`);
    expect(comment!.body).toContain(`Not applying: ${who} lacks permissions the apply needs`);
    expect(comment!.body).not.toContain('may not patch');
  });

  it('a token with rights in the Flux namespace only is refused before apply, naming the cluster-wide rights it lacks', async () => {
    const token = await serviceAccountToken('namespace-admin', [
      { clusterRole: 'admin', namespace: 'flux-system' },
      { clusterRole: 'flux-bootstrap-planner' },
    ]);
    const merged = await world.merge(2, changeHead, { ...change, kubeconfig: kubeconfig({ token }) });
    expect(merged.code, merged.stdout.slice(-6000)).toBe(1);
    expect(merged.outputs['plan-exitcode']).toBe('2');
    const who = 'user "system:serviceaccount:default:namespace-admin" (token)';
    expect(merged.summary).toContain(`${who} may not create customresourcedefinitions.apiextensions.k8s.io cluster-wide`); // prettier-ignore
    expect(merged.summary).toContain(`${who} may not create clusterrolebindings.rbac.authorization.k8s.io cluster-wide`); // prettier-ignore
    expect(merged.summary).not.toContain(`${who} may not create deployments.apps in namespace flux-system`);
    expect(await interval()).toBe('1m');
  });

  it("an exec plugin that fails when the action runs it stops the run before apply, with the plugin's stderr", async () => {
    // OpenTofu's providers start with go-plugin's TF_PLUGIN_MAGIC_COOKIE in their environment, the action does not:
    // this plugin lets the plan through and fails for the check, as an SSO session expiring between the two would.
    const plugin = await execPlugin(
      'expiring',
      `if [ -z "$TF_PLUGIN_MAGIC_COOKIE" ]; then echo 'error: the SSO session has expired; run aws sso login' >&2; exit 1; fi\n${credential(deployerToken)}`,
    );
    const merged = await world.merge(2, changeHead, { ...change, kubeconfig: kubeconfig(plugin) });
    expect(merged.code, merged.stdout.slice(-6000)).toBe(1);
    expect(merged.outputs['plan-exitcode']).toBe('2');
    expect(merged.outputs.applied).toBe('false');
    expect(merged.outputs['apply-skipped-reason']).toContain(
      `Cluster access: the kubeconfig's exec plugin "${String((plugin.exec as { command: string }).command)}" failed (exit 1): error: the SSO session has expired; run aws sso login`,
    );
    expect(await interval()).toBe('1m');
  });
});
