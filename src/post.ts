// The post step: runs after the job (success, failure or cancellation) and removes the run directory with the
// kubeconfig copy, tfvars and plan files in it.
import * as core from '@actions/core';
import { RUN_DIR_STATE, removeRunDirectory } from './run-directory.js';

export async function cleanup(): Promise<void> {
  try {
    const removed = await removeRunDirectory(core.getState(RUN_DIR_STATE));
    core.info(removed ? 'Removed the run directory (kubeconfig, tfvars, plans).' : 'No run directory to remove.');
  } catch (error) {
    core.warning(`Could not remove the run directory: ${(error as Error).message}`);
  }
}

await cleanup();
