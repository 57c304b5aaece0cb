// The tfvars stage's edge: checks the values files against the workspace, writes the kubeconfig to a 0600 file and
// the `flux` object as JSON tfvars, all inside the run directory that the post step removes.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ActionInputs } from '../inputs/schema.js';
import { renderFluxObject, renderTfvars, type FluxObject } from './render.js';

export class TfvarsError extends Error {}

export interface WrittenTfvars {
  path: string;
  flux: FluxObject;
  kubeconfigPath?: string;
}

/** Resolves each values file inside the workspace, following symlinks, and refuses one that escapes or is missing. */
export async function resolveValuesFiles(workspace: string, files: string[]): Promise<string[]> {
  const root = await fs.realpath(workspace);
  const resolved: string[] = [];
  for (const file of files) {
    let real: string;
    try {
      real = await fs.realpath(path.resolve(root, file));
    } catch {
      throw new TfvarsError(`Input 'helm-values-files': "${file}" does not exist in the workspace (${root}).`);
    }
    if (real !== root && !real.startsWith(root + path.sep)) {
      throw new TfvarsError(
        `Input 'helm-values-files': "${file}" resolves outside the workspace; use a file inside it.`,
      );
    }
    resolved.push(real);
  }
  return resolved;
}

export async function writeSecretFile(file: string, content: string): Promise<void> {
  // 'wx': never follow or reuse an existing file; the mode applies at creation, before any byte is written.
  await fs.writeFile(file, content, { mode: 0o600, flag: 'wx' });
}

export async function writeTfvars(inputs: ActionInputs, runDir: string, workspace: string): Promise<WrittenTfvars> {
  const helmValuesFiles = await resolveValuesFiles(workspace, inputs.helmValuesFiles);
  let kubeconfigPath: string | undefined;
  if (inputs.kubeconfig) {
    kubeconfigPath = path.join(runDir, 'kubeconfig');
    await writeSecretFile(kubeconfigPath, inputs.kubeconfig);
  }
  const flux = renderFluxObject(inputs, { kubeconfigPath, helmValuesFiles });
  const tfvarsPath = path.join(runDir, 'flux.tfvars.json');
  await fs.writeFile(tfvarsPath, renderTfvars(flux), { mode: 0o600 });
  return { path: tfvarsPath, flux, kubeconfigPath };
}
