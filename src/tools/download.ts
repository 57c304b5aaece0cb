// Edge: every HTTP read of the tools stage goes through @actions/tool-cache's downloadTool, which honours the
// runner's proxy settings and retries network errors, 5xx, 408 and 429 (3 attempts, 10–20 s apart). Failures become
// ToolInstallErrors naming the file and URL.
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
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

/** Lower-case hex SHA-256 of a file, streamed in large chunks (binaries are 50–120 MB). */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 4 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
