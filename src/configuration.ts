// Where the OpenTofu configuration and the policies come from: the user's paths inside the workspace, or the ones
// shipped with the action. The shipped modules are copied into the run directory, so that init never writes
// into the action's own checkout and the module's relative source (../fluxcd) still resolves.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SHIPPED_POLICY_DATA, type ShippedBackend } from './inputs/rules.js';
import type { ActionInputs } from './inputs/schema.js';

/** The action's root: one level above this file, in src/ as in dist/ (not `new URL('..', …)`: ncc rewrites that). */
export const actionRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface Configuration {
  workingDirectory: string;
  /** How the summary and the comment name it: relative to the workspace, or `modules/root` for the shipped one. */
  label: string;
  policyPath: string;
  /** Absolute paths of the Conftest data files (`--data`). */
  policyData: string[];
}

export class ConfigurationError extends Error {}

async function requireDirectory(input: string, dir: string): Promise<void> {
  const stat = await fs.stat(dir).catch(() => null);
  if (!stat?.isDirectory()) throw new ConfigurationError(`Input '${input}': "${dir}" is not a directory.`);
}

async function resolvePolicyData(names: string[], workspace: string): Promise<string[]> {
  const resolved: string[] = [];
  for (const name of names) {
    const shipped = (SHIPPED_POLICY_DATA as readonly string[]).includes(name);
    const file = shipped ? path.join(actionRoot, 'policy', 'data', `${name}.yaml`) : path.resolve(workspace, name);
    if (!(await fs.stat(file).catch(() => null))?.isFile()) {
      throw new ConfigurationError(`Input 'policy-data': "${name}" is not a file in the workspace (${workspace}).`);
    }
    resolved.push(file);
  }
  return resolved;
}

/**
 * The shipped root's backend block for the chosen type, with partial configuration: settings come from
 * `backend-config` and credentials from the environment, as each backend documents. The type is one of a fixed
 * list (inputs/rules.ts), so no input text reaches the HCL.
 */
export function backendBlock(type: ShippedBackend): string {
  return `# Written by flux-bootstrap for this run (input 'backend'); settings come from 'backend-config'.\nterraform {\n  backend "${type}" {}\n}\n`;
}

export async function resolveConfiguration(
  inputs: ActionInputs,
  workspace: string,
  runDir: string,
): Promise<Configuration> {
  const policyPath = inputs.policyPath ? path.resolve(workspace, inputs.policyPath) : path.join(actionRoot, 'policy');
  await requireDirectory('policy-path', policyPath);
  const policyData = await resolvePolicyData(inputs.policyData, workspace);
  if (inputs.workingDirectory) {
    const workingDirectory = path.resolve(workspace, inputs.workingDirectory);
    await requireDirectory('working-directory', workingDirectory);
    const label = path.relative(workspace, workingDirectory) || '.';
    return { workingDirectory, label, policyPath, policyData };
  }
  const modules = path.join(runDir, 'modules');
  await fs.cp(path.join(actionRoot, 'modules'), modules, {
    recursive: true,
    filter: (source) => !/[\\/](\.terraform|tests)([\\/]|$)/.test(source),
  });
  const workingDirectory = path.join(modules, 'root');
  await fs.writeFile(path.join(workingDirectory, 'backend.tf'), backendBlock(inputs.backend ?? 's3'));
  return { workingDirectory, label: 'modules/root', policyPath, policyData };
}
