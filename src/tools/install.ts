// The tools stage's edge: resolve, download, verify (fail closed) and cache tofu and conftest, or reuse a cached
// binary after re-hashing it. Verification order for a download: checksum file → (tofu) its GPG signature against
// the trusted key → archive SHA-256 against the now-trusted checksum line → extract → record the binary's SHA-256.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as core from '@actions/core';
import * as tc from '@actions/tool-cache';
import { cacheVerifiedBinary, findVerifiedCache, type InstallRecord } from './cache.js';
import { assertDigest, expectedDigest } from './checksums.js';
import { downloadBytes, downloadFile, sha256File } from './download.js';
import { ToolInstallError } from './errors.js';
import {
  archiveName,
  binaryName,
  checksumFileName,
  releasePlatform,
  signatureFileName,
  type Platform,
  type ToolName,
} from './platform.js';
import { releaseDownloadBase } from './release-source.js';
import { SIGNING_KEY_ENV, trustedOpenTofuKey, verifyDetachedSignature, type TrustedKey } from './signature.js';
import type { VersionSpec } from './version-spec.js';
import { resolveVersion, type IndexContext } from './version-index.js';
import { chooseTofuRequest, conftestRequest, readTofuVersionSources } from './version-request.js';
import type { VersionRequest } from './versions.js';

export { ToolInstallError } from './errors.js';

export interface InstalledTool {
  name: 'tofu' | 'conftest';
  version: string;
  /** Absolute path of the executable in the tool cache. */
  binary: string;
  /** SHA-256 of the release archive, as verified at install time. */
  archiveSha256: string;
  fromCache: boolean;
}

export interface ToolRequest {
  tofuVersion?: VersionSpec;
  conftestVersion?: VersionSpec;
  /** Root configuration directory: .opentofu-version and required_version are read here when tofuVersion is empty. */
  workingDirectory: string;
  /** Base URL serving release files with GitHub's layout (see release-source.ts). */
  mirrorUrl?: string;
  /** Sent only to the GitHub API (conftest's releases list), never to a mirror. */
  githubToken?: string;
}

interface InstallContext extends IndexContext {
  platform: Platform;
  arch: string;
  /** The key tofu's checksum file must be signed by (signature.ts decides which one may be trusted). */
  tofuKey: TrustedKey;
}

/** Installs (or reuses from the tool cache) verified tofu and conftest. Throws ToolInstallError on any failure. */
export async function installTools(request: ToolRequest): Promise<{ tofu: InstalledTool; conftest: InstalledTool }> {
  const runnerTemp = process.env.RUNNER_TEMP;
  if (!runnerTemp) throw new ToolInstallError('RUNNER_TEMP is not set: the tools stage needs a scratch directory.');
  const platform = releasePlatform(process.platform, process.arch);
  // First, before any file is read or fetched: a replaced signing key outside a test stops the run here.
  const tofuKey = trustedOpenTofuKey(process.env, request.mirrorUrl);
  const sources = await readTofuVersionSources(request.tofuVersion, request.workingDirectory);
  const requests = [chooseTofuRequest(sources), conftestRequest(request.conftestVersion)] as const;
  await fs.mkdir(runnerTemp, { recursive: true });
  const tempDir = await fs.mkdtemp(path.join(runnerTemp, 'flux-bootstrap-tools-'));
  try {
    const ctx: InstallContext = {
      platform,
      arch: os.arch(),
      tempDir,
      mirrorUrl: request.mirrorUrl,
      githubApiUrl: process.env.GITHUB_API_URL,
      githubToken: request.githubToken,
      tofuKey,
    };
    // Both settle before the scratch directory goes, so a failure of one never races the other's download.
    const [tofu, conftest] = await Promise.allSettled(requests.map((r) => installTool(r, ctx)));
    if (tofu!.status === 'fulfilled' && conftest!.status === 'fulfilled') {
      return { tofu: tofu!.value, conftest: conftest!.value };
    }
    throw combinedError([tofu!, conftest!]);
  } finally {
    await fs.rm(tempDir, { recursive: true, force: true });
  }
}

/** One error for the failed installs: the first unexpected error, else a ToolInstallError with every message. */
function combinedError(results: PromiseSettledResult<InstalledTool>[]): unknown {
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  const unexpected = errors.find((e) => !(e instanceof ToolInstallError));
  if (unexpected !== undefined || errors.length === 1) return unexpected ?? errors[0];
  return new ToolInstallError(errors.map((e) => (e as ToolInstallError).message).join('\n'));
}

async function installTool(request: VersionRequest, ctx: InstallContext): Promise<InstalledTool> {
  const version = await resolveVersion(request, ctx);
  const cached = await findVerifiedCache(request.tool, version, ctx.arch);
  const hit = cached && signedByTrustedKey(cached.record, ctx.tofuKey) ? cached : undefined;
  if (cached && !hit) {
    core.info(
      `${request.tool} ${version}: the cached binary was verified with another key (${cached.record.signedBy ?? 'none recorded'}) than the one this run trusts; installing it again from a verified download.`,
    );
  }
  if (hit) {
    core.info(
      `${request.tool} ${version} (${request.origin}): tool cache hit, binary SHA-256 ${hit.record.binarySha256} re-verified.`,
    );
    return toInstalled(hit.record, hit.binaryPath, true);
  }
  const scratch = await fs.mkdtemp(path.join(ctx.tempDir, `${request.tool}-`));
  const { record, binaryPath } = await downloadVerified(request, version, ctx, scratch);
  const binary = await cacheVerifiedBinary(binaryPath, record);
  core.info(
    `${request.tool} ${version} (${request.origin}): installed ${binary} (binary SHA-256 ${record.binarySha256}).`,
  );
  return toInstalled(record, binary, false);
}

/**
 * Whether a cached tofu was verified with a key this run trusts: OpenTofu's own, unless a test's key is in force. A
 * binary a test signed with its own key is never handed to a run that trusts only OpenTofu's.
 */
function signedByTrustedKey(record: InstallRecord, key: TrustedKey): boolean {
  if (record.tool !== 'tofu' || !key.expectedFingerprint) return true;
  return record.signedBy?.toUpperCase() === key.expectedFingerprint.toUpperCase();
}

function toInstalled(record: InstallRecord, binary: string, fromCache: boolean): InstalledTool {
  return { name: record.tool, version: record.version, binary, archiveSha256: record.archiveSha256, fromCache };
}

/** Downloads and verifies one release into `scratch`; returns the extracted binary and its install record. */
async function downloadVerified(
  request: VersionRequest,
  version: string,
  ctx: InstallContext,
  scratch: string,
): Promise<{ record: InstallRecord; binaryPath: string }> {
  const { tool } = request;
  const base = releaseDownloadBase(tool, version, ctx.mirrorUrl);
  const archive = archiveName(tool, version, ctx.platform);
  const trusted = await trustedArchiveDigest(tool, version, base, archive, scratch, ctx.tofuKey);
  const what = `${tool} ${version}'s archive ${archive}`;
  const archivePath = await downloadFile(`${base}/${archive}`, scratch, archive, what);
  const archiveSha256 = sha256File(archivePath);
  assertDigest(archive, trusted.digest, archiveSha256, trusted.source);
  core.info(`${tool} ${version}: ${archive} SHA-256 ${archiveSha256} matches the one ${trusted.source}.`);
  const binary = binaryName(tool, ctx.platform);
  const binaryPath = await extractBinary(archivePath, archive, path.join(scratch, 'extracted'), binary);
  const record: InstallRecord = {
    tool,
    version,
    arch: ctx.arch,
    binary,
    binarySha256: sha256File(binaryPath),
    archive,
    archiveSha256,
    source: `${base}/${archive}`,
    ...(trusted.signedBy ? { signedBy: trusted.signedBy } : {}),
    installedAt: new Date().toISOString(),
  };
  return { record, binaryPath };
}

/** The archive's digest from the release checksum file, trusted only after (for tofu) its signature verifies. */
async function trustedArchiveDigest(
  tool: ToolName,
  version: string,
  base: string,
  archive: string,
  scratch: string,
  key: TrustedKey,
): Promise<{ digest: string; source: string; signedBy?: string }> {
  const sumsName = checksumFileName(tool, version);
  const what = `${tool} ${version}'s checksum file ${sumsName}`;
  const sums = await downloadBytes(`${base}/${sumsName}`, scratch, sumsName, what);
  const signedBy =
    tool === 'tofu' ? await verifyChecksumSignature(sums, sumsName, version, base, scratch, key) : undefined;
  const digest = expectedDigest(sums.toString('utf8'), sumsName, archive);
  return signedBy
    ? { digest, source: `from ${sumsName}, signed by ${signedBy}`, signedBy }
    : { digest, source: `from ${sumsName}` };
}

async function verifyChecksumSignature(
  sums: Buffer,
  sumsName: string,
  version: string,
  base: string,
  scratch: string,
  key: TrustedKey,
): Promise<string> {
  const sigName = signatureFileName(version);
  const signature = await downloadBytes(
    `${base}/${sigName}`,
    scratch,
    sigName,
    `tofu ${version}'s signature ${sigName}`,
  );
  const signer = await verifyDetachedSignature(sums, signature, key, { data: sumsName, signature: sigName });
  if (!key.expectedFingerprint) {
    core.warning(
      `${SIGNING_KEY_ENV} is set: ${sumsName} was verified with that key (${signer}) instead of OpenTofu's own. ` +
        'Only tests should set it.',
    );
  }
  return signer;
}

async function extractBinary(archivePath: string, archive: string, dest: string, binary: string): Promise<string> {
  try {
    if (archive.endsWith('.zip')) await tc.extractZip(archivePath, dest);
    else await tc.extractTar(archivePath, dest);
  } catch (error) {
    throw new ToolInstallError(`Could not extract ${archive}: ${(error as Error).message}`);
  }
  const binaryPath = path.join(dest, binary);
  const stat = await fs.lstat(binaryPath).catch(() => undefined);
  if (!stat?.isFile()) throw new ToolInstallError(`${archive} holds no ${binary} file at its top level.`);
  await fs.chmod(binaryPath, 0o755);
  return binaryPath;
}
