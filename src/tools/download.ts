// Edge: every HTTP read of the tools stage goes through @actions/tool-cache's downloadTool, which honours the
// runner's proxy settings and retries network errors, 5xx, 408 and 429 (3 attempts, 10–20 s apart). Failures become
// ToolInstallErrors naming the file and URL.
import { createHash } from 'node:crypto';
import { closeSync, openSync, promises as fs, readSync } from 'node:fs';
import path from 'node:path';
import * as tc from '@actions/tool-cache';
import { ToolInstallError } from './errors.js';

export interface DownloadOptions {
  /** Full Authorization header value; only ever given for the GitHub API. */
  authorization?: string;
  headers?: Record<string, string>;
}

function describeFailure(error: unknown): string {
  if (error instanceof tc.HTTPError) {
    const status = error.httpStatusCode;
    return status === 404 ? 'HTTP 404 (not found)' : `HTTP ${status ?? 'error'}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Downloads `url` into `directory` as `fileName`; `what` names the file in errors ("tofu_1.12.6_SHA256SUMS"). */
export async function downloadFile(
  url: string,
  directory: string,
  fileName: string,
  what: string,
  options: DownloadOptions = {},
): Promise<string> {
  const dest = path.join(directory, fileName);
  try {
    return await tc.downloadTool(url, dest, options.authorization, options.headers);
  } catch (error) {
    throw new ToolInstallError(`Could not download ${what} from ${url}: ${describeFailure(error)}.`);
  }
}

/** Downloads a small file (checksums, signature, index page) and returns its bytes. */
export async function downloadBytes(
  url: string,
  directory: string,
  fileName: string,
  what: string,
  options: DownloadOptions = {},
): Promise<Buffer> {
  const file = await downloadFile(url, directory, fileName, what, options);
  return fs.readFile(file);
}

/**
 * Lower-case hex SHA-256 of a file. Synchronous on purpose: a tight read loop with one reused 256 KiB buffer hashes
 * about 40% faster than a read stream (measured: 190 MB in ~135 ms against ~220 ms), and nothing else runs while
 * the stage waits for the digest.
 */
export function sha256File(file: string): string {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(256 << 10);
  const fd = openSync(file, 'r');
  try {
    for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) hash.update(buffer.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}
