// One private directory per run under RUNNER_TEMP holds every file the action writes (kubeconfig, tfvars, plans).
// Its path is saved as action state so the post step removes it even when the job fails or is cancelled.
import * as core from '@actions/core';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const RUN_DIR_STATE = 'run-directory';

export async function createRunDirectory(): Promise<string> {
  const base = process.env.RUNNER_TEMP || os.tmpdir();
  const dir = await fs.mkdtemp(path.join(base, 'flux-bootstrap-'));
  await fs.chmod(dir, 0o700);
  core.saveState(RUN_DIR_STATE, dir);
  return dir;
}

/** Removes the run directory named in state; safe to call when there is none. */
export async function removeRunDirectory(dir: string | undefined): Promise<boolean> {
  if (!dir || !path.basename(dir).startsWith('flux-bootstrap-')) return false;
  await fs.rm(dir, { recursive: true, force: true });
  return true;
}
