// Edge: the runner's tool cache. Each verified binary is cached under its own name (flux-bootstrap-<tool>, so a
// directory some other action cached as "tofu" is never trusted or overwritten), and an install record holding the
// binary's SHA-256 is written NEXT TO the cached directory, which is never modified after caching:
//
//   $RUNNER_TOOL_CACHE/flux-bootstrap-tofu/1.12.6/x64/tofu                   the binary (tool-cache's layout)
//   $RUNNER_TOOL_CACHE/flux-bootstrap-tofu/1.12.6/x64.complete               tool-cache's marker
//   $RUNNER_TOOL_CACHE/flux-bootstrap-tofu/1.12.6/x64.flux-bootstrap.json    our install record
//
// A hit re-hashes the binary against the record. A different digest means the cache changed after we verified it:
// the run stops (a clean download would hide tampering on a persistent runner). A missing or unreadable record is
// only a crashed or foreign install: it is reinstalled from a verified download.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tc from '@actions/tool-cache';
import { sha256File } from './download.js';
import { ToolInstallError } from './errors.js';
import type { ToolName } from './platform.js';

export interface InstallRecord {
  tool: ToolName;
  version: string;
  arch: string;
  binary: string;
  binarySha256: string;
  archive: string;
  archiveSha256: string;
  source: string;
  /** Primary-key fingerprint that signed the checksum file (tofu only). */
  signedBy?: string;
  installedAt: string;
}

export const cacheName = (tool: ToolName): string => `flux-bootstrap-${tool}`;

export function recordPath(cacheRoot: string, tool: ToolName, version: string, arch: string): string {
  return path.join(cacheRoot, cacheName(tool), version, `${arch}.flux-bootstrap.json`);
}

const HEX64 = /^[0-9a-f]{64}$/;

/** The record if it is well formed and describes this tool, version and arch; undefined otherwise. */
export function parseInstallRecord(
  text: string,
  tool: ToolName,
  version: string,
  arch: string,
): InstallRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const r = value as Partial<InstallRecord> | null;
  const wellFormed =
    r !== null &&
    typeof r === 'object' &&
    r.tool === tool &&
    r.version === version &&
    r.arch === arch &&
    typeof r.binary === 'string' &&
    !r.binary.includes('/') &&
    !r.binary.includes('\\') &&
    HEX64.test(r.binarySha256 ?? '') &&
    HEX64.test(r.archiveSha256 ?? '') &&
    typeof r.archive === 'string' &&
    typeof r.source === 'string';
  return wellFormed ? (r as InstallRecord) : undefined;
}

function hashOrMissing(file: string): string {
  try {
    return sha256File(file);
  } catch {
    return 'missing';
  }
}

export interface CacheHit {
  record: InstallRecord;
  binaryPath: string;
}

/** A verified cache hit, undefined on a miss; throws when the cached binary no longer matches its record. */
export async function findVerifiedCache(tool: ToolName, version: string, arch: string): Promise<CacheHit | undefined> {
  const dir = tc.find(cacheName(tool), version, arch);
  if (!dir) return undefined;
  const file = recordPath(cacheRoot(), tool, version, arch);
  const text = await fs.readFile(file, 'utf8').catch(() => undefined);
  const record = text === undefined ? undefined : parseInstallRecord(text, tool, version, arch);
  if (!record) return undefined;
  const binaryPath = path.join(dir, record.binary);
  const actual = hashOrMissing(binaryPath);
  if (actual !== record.binarySha256) {
    throw new ToolInstallError(
      `The cached ${tool} ${version} binary ${binaryPath} changed after it was verified: SHA-256 expected ` +
        `${record.binarySha256} (recorded in ${file}), got ${actual}. Refusing to run it. ` +
        `If the change is understood, delete ${dir} and ${dir}.complete to reinstall from a verified download.`,
    );
  }
  return { record, binaryPath };
}

/** Copies the verified binary into the tool cache and writes its install record beside the directory. */
export async function cacheVerifiedBinary(sourceBinary: string, record: InstallRecord): Promise<string> {
  const dir = await tc.cacheFile(sourceBinary, record.binary, cacheName(record.tool), record.version, record.arch);
  const file = recordPath(cacheRoot(), record.tool, record.version, record.arch);
  // Written whole, then renamed: a reader never sees half a record.
  const partial = `${file}.${process.pid}.tmp`;
  await fs.writeFile(partial, `${JSON.stringify(record, null, 2)}\n`);
  await fs.rename(partial, file);
  return path.join(dir, record.binary);
}

export function cacheRoot(): string {
  const root = process.env.RUNNER_TOOL_CACHE;
  if (!root) throw new ToolInstallError('RUNNER_TOOL_CACHE is not set: the tools stage needs the runner tool cache.');
  return root;
}
