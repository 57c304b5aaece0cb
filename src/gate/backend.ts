// Where the state lives: remote or local. Read from the backend record `tofu init` writes to
// `<data dir>/terraform.tfstate`, not from the *.tf files: that record is what tofu actually resolved, including
// *.tf.json, override files, `-backend-config` and `cloud` blocks, with no HCL parsing of our own. Without a
// backend block init writes no record at all, which means the implied local backend.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Backend } from './decision.js';

export interface BackendInfo {
  backend: Backend;
  /** The backend type tofu recorded ('s3', 'http', 'local'…), or why none could be read. */
  type: string;
}

/** Pure: the backend from the init record's text; undefined text means init wrote none (the implied local backend). */
export function backendFromInitRecord(text: string | undefined): BackendInfo {
  if (text === undefined) return { backend: 'local', type: 'local (no backend block)' };
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    // Any doubt counts as local: the gate then refuses unless local state is explicitly allowed.
    return { backend: 'local', type: 'unknown (unreadable backend record)' };
  }
  const type = (record as { backend?: { type?: unknown } } | null)?.backend?.type;
  if (typeof type !== 'string' || type === '') return { backend: 'local', type: 'local (no backend block)' };
  return { backend: type === 'local' ? 'local' : 'remote', type };
}

/** The data directory tofu uses for a working directory: TF_DATA_DIR (relative to it) or `.terraform`. */
export function dataDirectory(workingDirectory: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(workingDirectory, env.TF_DATA_DIR || '.terraform');
}

/** A failed init leaves no record worth reading (or a stale one from an earlier init): the backend is not known. */
export const UNKNOWN_BACKEND: BackendInfo = { backend: 'unknown', type: 'not known (tofu init failed)' };

/**
 * Edge: reads the backend record after `tofu init`. Only the type is kept: the rest may hold backend credentials.
 * After a failed init nothing is read, since an absent record would otherwise read as the implied local backend.
 */
export async function detectBackend(
  workingDirectory: string,
  env: NodeJS.ProcessEnv = process.env,
  initSucceeded = true,
): Promise<BackendInfo> {
  if (!initSucceeded) return UNKNOWN_BACKEND;
  const file = path.join(dataDirectory(workingDirectory, env), 'terraform.tfstate');
  let text: string | undefined;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      return { backend: 'local', type: `unknown (${(error as NodeJS.ErrnoException).code ?? 'read error'})` };
    }
  }
  return backendFromInitRecord(text);
}
