// The gated apply: modules/root applied for real to a cluster WITHOUT Flux, in one apply, then destroyed.
// Runs only when FLUXCD_ACCEPT_APPLY is set and KUBECONFIG names a reachable cluster you may change (e.g. a
// throwaway kind cluster); otherwise it is reported as skipped. It leaves the Flux CRDs behind on purpose (the
// keep policy under test) and whatever the repository deployed (deletionPolicy Orphan). It needs the REAL
// providers: tofu installs them from the registry (TF_CLI_CONFIG_FILE is dropped, since the test stand-ins refuse
// to touch a cluster), or from the CLI config named by FLUXCD_APPLY_TOFURC.
//
//   FLUXCD_ACCEPT_APPLY=1 KUBECONFIG=~/.kube/kind npx vitest run test/modules-apply.test.ts
//   Optional: FLUXCD_APPLY_GIT_URL, FLUXCD_APPLY_GIT_BRANCH, FLUXCD_APPLY_GIT_PATH (default: podinfo's ./kustomize).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeClientFromFile, type KubeClient } from '../src/health/client.js';
import { waitForFlux } from '../src/health/wait.js';
import { repoRoot } from './support/action-runner.js';
import { tools } from './support/tools.js';

const kubeconfig = process.env.KUBECONFIG?.split(path.delimiter).find(Boolean);
const accepted = Boolean(process.env.FLUXCD_ACCEPT_APPLY) && Boolean(kubeconfig);
const reason = accepted ? '' : ' (skipped: set FLUXCD_ACCEPT_APPLY and KUBECONFIG to apply to a real cluster)';
const APPLY_TIMEOUT_MS = 15 * 60_000;

let work: string;
let client: KubeClient | undefined;
/** Set once tofu init succeeded: only then is there anything to destroy. */
let initialised = false;

function tofu(...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' };
  delete env.TF_CLI_CONFIG_FILE;
  if (process.env.FLUXCD_APPLY_TOFURC) env.TF_CLI_CONFIG_FILE = process.env.FLUXCD_APPLY_TOFURC;
  const run = spawnSync(tools.tofu, [...args, '-no-color'], {
    cwd: path.join(work, 'root'),
    env,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return { code: run.status, out: `${run.stdout}${run.stderr}`, stdout: run.stdout };
}

const get = async (apiPath: string) => (await client!.get(apiPath, 10_000)).status;

describe.skipIf(!accepted)(`modules/root applied to a real cluster${reason}`, () => {
  beforeAll(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), 'flux-apply-'));
    cpSync(path.join(repoRoot, 'modules'), work, {
      recursive: true,
      filter: (src) => !/(\.terraform|\.terraform\.lock\.hcl|_override\.tf|\.tfstate(\.backup)?)$/.test(src),
    });
    writeFileSync(path.join(work, 'root', 'backend_override.tf'), 'terraform {\n  backend "local" {}\n}\n');
    // Values precedence on a real release: the file sets both keys, the map overrides one of them.
    writeFileSync(
      path.join(work, 'values.yaml'),
      'logLevel: debug\nsourceController:\n  resources:\n    requests:\n      memory: 96Mi\n',
    );
    const flux = {
      git: {
        url: process.env.FLUXCD_APPLY_GIT_URL ?? 'https://github.com/stefanprodan/podinfo',
        branch: process.env.FLUXCD_APPLY_GIT_BRANCH ?? 'master',
        path: process.env.FLUXCD_APPLY_GIT_PATH ?? './kustomize',
      },
      helm: { values_files: [path.join(work, 'values.yaml')], values: { logLevel: 'info' } },
      cluster: { kubeconfig_path: kubeconfig },
    };
    writeFileSync(path.join(work, 'root', 'flux.auto.tfvars.json'), JSON.stringify({ flux }));
    client = await kubeClientFromFile(kubeconfig!);
    const init = tofu('init', '-input=false');
    if (init.code !== 0) throw new Error(`tofu init failed:\n${init.out}`);
    initialised = true;
  }, APPLY_TIMEOUT_MS);

  afterAll(() => {
    client?.close();
    if (!initialised) {
      if (work) rmSync(work, { recursive: true, force: true });
      return;
    }
    const destroy = tofu('destroy', '-auto-approve', '-input=false');
    rmSync(work, { recursive: true, force: true });
    if (destroy.code !== 0) throw new Error(`tofu destroy failed, clean the cluster by hand:\n${destroy.out}`);
  }, APPLY_TIMEOUT_MS);

  it(
    'plans the first install on a cluster without Flux CRDs and applies it in one go',
    async () => {
      const crd = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/kustomizations.kustomize.toolkit.fluxcd.io';
      expect(
        await get(crd),
        'the cluster must have no Flux CRDs yet: use a fresh one (a previous run keeps them)',
      ).toBe(404);
      const plan = tofu('plan', '-input=false', '-detailed-exitcode', '-out=first.tfplan');
      expect(plan.code, plan.out).toBe(2);
      const show = JSON.parse(tofu('show', '-json', 'first.tfplan').stdout) as {
        resource_changes: { address: string; change: { actions: string[] } }[];
      };
      const creates = show.resource_changes.filter((r) => r.change.actions.includes('create')).map((r) => r.address);
      expect(creates.sort()).toEqual([
        'module.flux[0].helm_release.flux',
        'module.flux[0].kubectl_manifest.git_repository',
        'module.flux[0].kubectl_manifest.kustomization',
      ]);
      const apply = tofu('apply', '-input=false', 'first.tfplan');
      expect(apply.code, apply.out).toBe(0);
    },
    APPLY_TIMEOUT_MS,
  );

  it(
    'leaves Flux reconciling the repository, with the outputs naming what to watch',
    async () => {
      const outputs = JSON.parse(tofu('output', '-json').stdout) as Record<string, { value: string }>;
      expect(outputs.flux_namespace?.value).toBe('flux-system');
      const report = await waitForFlux(
        client!,
        {
          namespace: outputs.flux_namespace!.value,
          gitRepositoryName: outputs.git_repository_name!.value,
          kustomizationName: outputs.kustomization_name!.value,
        },
        { timeoutSeconds: 600 },
      );
      expect(report.outcome, report.message).toBe('ready');
    },
    APPLY_TIMEOUT_MS,
  );

  it('merges chart values as documented: files, then the map, then the module settings', () => {
    const state = JSON.parse(tofu('show', '-json').stdout) as {
      values: {
        root_module: { child_modules: { resources: { address: string; values: Record<string, unknown> }[] }[] };
      };
    };
    const release = state.values.root_module.child_modules
      .flatMap((m) => m.resources)
      .find((r) => r.address === 'module.flux[0].helm_release.flux');
    const values = JSON.parse((release?.values.metadata as { values: string }).values) as Record<string, unknown>;
    expect(values.logLevel).toBe('info');
    expect(values).toMatchObject({
      sourceController: { resources: { requests: { memory: '96Mi' } } },
      notificationController: { create: true },
    });
  });

  it(
    'keeps the Flux CRDs when the release is uninstalled',
    async () => {
      const destroy = tofu('destroy', '-auto-approve', '-input=false');
      expect(destroy.code, destroy.out).toBe(0);
      expect(
        await get('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gitrepositories.source.toolkit.fluxcd.io'),
      ).toBe(200);
      expect(readFileSync(path.join(work, 'root', 'terraform.tfstate'), 'utf8')).not.toContain('"helm_release"');
    },
    APPLY_TIMEOUT_MS,
  );
});
