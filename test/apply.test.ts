// The apply edge with the real tofu on roots that use only terraform_data: the saved plan is applied and changes
// the state, a missing or stale plan is never replaced by a fresh one, failures carry tofu's diagnostics, outputs
// are read (sensitive ones never), and a cancelled run's forwarded signal lets tofu release the state lock.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { ApplyError, applySavedPlan, readFluxOutputs } from '../src/apply/apply.js';
import { fluxActionOutputs, parseFluxOutputs, plannedFluxOutputs } from '../src/apply/outputs.js';
import type { PlanRun } from '../src/plan/run.js';
import { planOutputs } from '../src/report/outputs.js';
import { tools } from './support/tools.js';

const exec = promisify(execFile);
const env = { ...process.env, TF_IN_AUTOMATION: '1' };

async function tofu(dir: string, args: string[]): Promise<number> {
  try {
    await exec(tools.tofu, args, { cwd: dir, env });
    return 0;
  } catch (error) {
    return (error as { code: number }).code;
  }
}

const OUTPUTS = `
output "flux_namespace" {
  value = "flux-system"
}
output "git_repository_name" {
  value = "flux-system"
}
output "kustomization_name" {
  value = "apps"
}
`;

/** A root in a temp directory, initialised and planned to `tfplan`; returns the directory and the plan's exit code. */
async function planned(mainTf: string): Promise<{ dir: string; planFile: string; planExit: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flux-apply-'));
  await fs.writeFile(path.join(dir, 'main.tf'), mainTf);
  expect(await tofu(dir, ['init', '-input=false', '-no-color'])).toBe(0);
  const planFile = path.join(dir, 'tfplan');
  const planExit = await tofu(dir, ['plan', '-input=false', '-detailed-exitcode', '-no-color', `-out=${planFile}`]);
  return { dir, planFile, planExit };
}

async function stateSerial(dir: string): Promise<number> {
  return (JSON.parse(await fs.readFile(path.join(dir, 'terraform.tfstate'), 'utf8')) as { serial: number }).serial;
}

async function stateResources(dir: string): Promise<string[]> {
  const state = JSON.parse(await fs.readFile(path.join(dir, 'terraform.tfstate'), 'utf8')) as {
    resources: { type: string; name: string }[];
  };
  return state.resources.map((r) => `${r.type}.${r.name}`);
}

describe('applySavedPlan', () => {
  it('applies the saved plan, after which a new plan has no changes, and reads the Flux outputs', async () => {
    const root = await planned(
      `resource "terraform_data" "git_repository" {\n  input = "https://git.example/fleet"\n}\n${OUTPUTS}`,
    );
    expect(root.planExit).toBe(2);
    expect(existsSync(path.join(root.dir, 'terraform.tfstate'))).toBe(false);

    const result = await applySavedPlan({ tofu: tools.tofu, workingDirectory: root.dir, planFile: root.planFile, env });
    expect(result).toMatchObject({ applied: true, exitCode: 0 });
    expect(result.error).toBeUndefined();
    expect(await stateResources(root.dir)).toEqual(['terraform_data.git_repository']);
    expect(await tofu(root.dir, ['plan', '-input=false', '-detailed-exitcode', '-no-color'])).toBe(0);

    const outputs = await readFluxOutputs({ tofu: tools.tofu, workingDirectory: root.dir, env });
    expect(outputs).toEqual({
      fluxNamespace: 'flux-system',
      gitRepositoryName: 'flux-system',
      kustomizationName: 'apps',
    });
    expect(fluxActionOutputs(outputs)).toEqual({
      'flux-namespace': 'flux-system',
      'git-repository-name': 'flux-system',
      'kustomization-name': 'apps',
    });
  });

  it('refuses to run without the saved plan file, so tofu never plans afresh', async () => {
    const root = await planned('resource "terraform_data" "x" {\n  input = 1\n}\n');
    for (const planFile of [path.join(root.dir, 'missing'), '', 'tfplan', root.dir]) {
      await expect(applySavedPlan({ tofu: tools.tofu, workingDirectory: root.dir, planFile, env })).rejects.toThrow(
        ApplyError,
      );
    }
    expect(existsSync(path.join(root.dir, 'terraform.tfstate'))).toBe(false);
  });

  it('fails on a stale plan (the state moved since it was made) with tofu’s reason, applying nothing', async () => {
    const root = await planned('resource "terraform_data" "x" {\n  input = 1\n}\n');
    const copy = path.join(root.dir, 'tfplan-copy');
    await fs.copyFile(root.planFile, copy);
    expect(
      (await applySavedPlan({ tofu: tools.tofu, workingDirectory: root.dir, planFile: root.planFile, env })).applied,
    ).toBe(true);
    const serial = await stateSerial(root.dir);

    const again = await applySavedPlan({ tofu: tools.tofu, workingDirectory: root.dir, planFile: copy, env });
    expect(again.applied).toBe(false);
    expect(again.exitCode).toBe(1);
    expect(again.error).toMatch(/^tofu apply failed \(exit 1\)/);
    expect(again.error).toMatch(/stale/i);
    expect(await stateSerial(root.dir)).toBe(serial);
  });

  it('reports a failing resource through its diagnostics, with file and line', async () => {
    const root = await planned(
      'resource "terraform_data" "fails" {\n  provisioner "local-exec" {\n    command = "echo boom >&2; exit 3"\n  }\n}\n',
    );
    const result = await applySavedPlan({ tofu: tools.tofu, workingDirectory: root.dir, planFile: root.planFile, env });
    expect(result.applied).toBe(false);
    expect(result.exitCode).toBe(1);
    const diagnostic = result.diagnostics.find((d) => d.summary === 'local-exec provisioner error');
    expect(diagnostic).toMatchObject({ severity: 'error', file: 'main.tf', line: 2 });
    expect(result.error).toContain('local-exec provisioner error (main.tf:2)');
  });

  it("echoes a warning's text with its summary (Helm's uninstall information message is all in its detail)", async () => {
    // A check that can only be decided at apply: its warning arrives as a diagnostic UI line during the apply,
    // shaped like the helm provider's "Helm uninstall returned an information message" with the kept resources.
    const kept = 'These resources were kept due to the resource policy: [CustomResourceDefinition] alerts.toolkit';
    const root = await planned(
      `resource "terraform_data" "release" {\n  input = "flux2"\n}\ncheck "uninstall" {\n  assert {\n    condition     = terraform_data.release.output == "gone"\n    error_message = "${kept}"\n  }\n}\n`,
    );
    const printed: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed.push(String(chunk));
      return true;
    });
    let result;
    try {
      result = await applySavedPlan({ tofu: tools.tofu, workingDirectory: root.dir, planFile: root.planFile, env });
    } finally {
      write.mockRestore();
    }
    expect(result.applied).toBe(true);
    expect(result.diagnostics).toContainEqual(expect.objectContaining({ severity: 'warning', detail: kept }));
    const log = printed.join('');
    expect(log).toContain('Warning: Check block assertion failed');
    expect(log).toContain(kept);
  });

  it('never takes a sensitive output, and leaves out outputs the configuration does not have', async () => {
    const root = await planned(
      'output "flux_namespace" {\n  value     = "hidden-ns"\n  sensitive = true\n}\noutput "kustomization_name" {\n  value = "apps"\n}\n',
    );
    expect(root.planExit).toBe(2);
    expect(
      (await applySavedPlan({ tofu: tools.tofu, workingDirectory: root.dir, planFile: root.planFile, env })).applied,
    ).toBe(true);
    expect(await readFluxOutputs({ tofu: tools.tofu, workingDirectory: root.dir, env })).toEqual({
      kustomizationName: 'apps',
    });
  });
});

describe('parseFluxOutputs', () => {
  it('sets the Flux outputs on every run from the plan, before anything is applied', async () => {
    const root = await planned(
      `variable "ns" {\n  default = "gitops"\n}\nresource "terraform_data" "x" {\n  input = 1\n}\n` +
        'output "flux_namespace" {\n  value = var.ns\n}\noutput "git_repository_name" {\n  value = "fleet"\n}\n' +
        'output "kustomization_name" {\n  value = terraform_data.x.id\n}\noutput "other" {\n  value = "x"\n}\n',
    );
    const { stdout } = await exec(tools.tofu, ['show', '-json', root.planFile], { cwd: root.dir, env });
    const planJson: unknown = JSON.parse(stdout);
    // Known at plan time: taken. Known only after apply (the resource's id): left out.
    expect(plannedFluxOutputs(planJson)).toEqual({ fluxNamespace: 'gitops', gitRepositoryName: 'fleet' });
    const plan = {
      exitCode: 2,
      hasChanges: true,
      failed: false,
      diagnostics: [],
      planText: '',
      planJson,
      providers: {},
    } as PlanRun;
    expect(planOutputs(plan, undefined)).toMatchObject({
      'flux-namespace': 'gitops',
      'git-repository-name': 'fleet',
      'kustomization-name': '',
    });
    // No plan (it failed): the apply stage gives them from the tfvars instead.
    expect(planOutputs({ ...plan, planJson: undefined }, undefined)).not.toHaveProperty('flux-namespace');
    expect(plannedFluxOutputs(undefined)).toEqual({});
    expect(
      plannedFluxOutputs({ planned_values: { outputs: { flux_namespace: { sensitive: true, value: 'hidden' } } } }),
    ).toEqual({});
  });

  it('takes only non-empty strings and refuses text that is not JSON', () => {
    expect(
      parseFluxOutputs(
        JSON.stringify({
          flux_namespace: { value: '', type: 'string' },
          git_repository_name: { value: ['list'], type: ['list', 'string'] },
          kustomization_name: { value: 'k', type: 'string', sensitive: false },
        }),
      ),
    ).toEqual({ kustomizationName: 'k' });
    expect(() => parseFluxOutputs('Warning: no outputs')).toThrow('tofu output -json did not print JSON.');
  });
});

// A root whose apply holds the state lock for a while: the provisioner sleeps.
const SLOW = 'resource "terraform_data" "slow" {\n  provisioner "local-exec" {\n    command = "sleep 60"\n  }\n}\n';

async function waitFor(file: string): Promise<void> {
  for (let i = 0; i < 600 && !existsSync(file); i++) await sleep(50);
  expect(existsSync(file), `${file} never appeared`).toBe(true);
}

describe('cancellation', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`forwards ${signal} to tofu, which stops and releases the state lock`, async () => {
      const root = await planned(SLOW);
      const lock = path.join(root.dir, '.terraform.tfstate.lock.info');
      // The runner delivers the signal to the action's process; emitting it here runs the same listeners without
      // signalling the test worker itself (whose own listeners are set aside meanwhile).
      const foreign = process.listeners(signal);
      for (const listener of foreign) process.off(signal, listener);
      try {
        const applying = applySavedPlan({ tofu: tools.tofu, workingDirectory: root.dir, planFile: root.planFile, env });
        await waitFor(lock);
        process.emit(signal, signal);
        const result = await applying;
        expect(result.applied).toBe(false);
        expect(result.exitCode).not.toBe(0);
      } finally {
        for (const listener of foreign) process.on(signal, listener);
      }
      expect(process.listenerCount(signal)).toBe(foreign.length);
      expect(existsSync(lock)).toBe(false);
      expect(
        await tofu(root.dir, ['plan', '-input=false', '-lock-timeout=0s', '-detailed-exitcode', '-no-color']),
      ).toBe(2);
    });
  }

  // The local backend's OS-level lock dies with the process; what a kill leaves behind is the lock record and a
  // state that never got written. Remote backends keep the lock itself until someone runs force-unlock.
  it('control: a tofu killed outright (no forwarding possible) leaves its lock record and writes no state', async () => {
    const root = await planned(SLOW);
    const lock = path.join(root.dir, '.terraform.tfstate.lock.info');
    const child = spawn(tools.tofu, ['apply', '-input=false', '-auto-approve', root.planFile], {
      cwd: root.dir,
      env,
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.on('close', resolve));
    await waitFor(lock);
    child.kill('SIGKILL');
    await exited;
    expect(existsSync(lock)).toBe(true);
    expect(await fs.readFile(path.join(root.dir, 'terraform.tfstate'), 'utf8')).toBe('');
  });
});
