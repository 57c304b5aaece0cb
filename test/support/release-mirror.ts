// A release mirror on 127.0.0.1 serving the REAL tofu and conftest (built by scripts/test-tools.sh) in the layout the
// tools stage downloads from (src/tools/release-source.ts):
//
//   /opentofu/opentofu/releases/download/v<V>/tofu_<V>_<os>_<arch>.zip, tofu_<V>_SHA256SUMS, …SHA256SUMS.gpgsig
//   /open-policy-agent/conftest/releases/download/v<V>/conftest_<V>_<OS>_<ARCH>.tar.gz, checksums.txt
//   /tofu/api.json                                  OpenTofu's version index
//   /repos/open-policy-agent/conftest/releases      GitHub's releases list (one page)
//
// Archives are real: the zip made by Info-ZIP `zip`, the tarball by GNU tar, both cached between runs under the OS
// temp directory (keyed by the binaries' size and mtime). The checksum file's signature is made at start-up with a
// freshly generated key: pass `signingKeyArmored` as FLUX_BOOTSTRAP_OPENTOFU_SIGNING_KEY. Faults can be switched on
// at any time to serve tampered or missing files.
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { promises as fs, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as openpgp from 'openpgp';
import { tools } from './tools.js';

const run = promisify(execFile);

export type MirrorTool = 'tofu' | 'conftest';

export interface MirrorFaults {
  /** Serve this tool's archive with one byte changed (its checksum line still has the true digest). */
  tamperArchive?: MirrorTool;
  /** Change the archive's digest in this tool's checksum file (tofu: the signature then no longer matches). */
  tamperChecksums?: MirrorTool;
  /** Leave the archive's line out of this tool's checksum file (tofu: re-signed, so only the missing line fails). */
  omitChecksumLine?: MirrorTool;
  /** Serve a bad tofu signature: over other data, by a key that is not trusted, or bytes that are no signature. */
  badSignature?: 'other-data' | 'other-key' | 'garbage';
  /** File names (last path segment, e.g. "checksums.txt" or "api.json") answered with 404. */
  drop?: string[];
  /** Answer the next N requests with 503, to exercise retries. */
  failRequests?: number;
}

export interface ReleaseMirror {
  url: string;
  /** Armored public key that signed tofu's checksum file: the tests' FLUX_BOOTSTRAP_OPENTOFU_SIGNING_KEY. */
  signingKeyArmored: string;
  /** Path and query of every request, in order. */
  requests: string[];
  /** Paths of requests that carried an Authorization header (a mirror must never be sent the GitHub token). */
  authorizedRequests: string[];
  tofuVersion: string;
  conftestVersion: string;
  /** File names of the two archives served (for the host platform). */
  archives: Record<MirrorTool, string>;
  /** SHA-256 of the two archives as built. */
  archiveSha256: Record<MirrorTool, string>;
  setFaults(faults: MirrorFaults): void;
  close(): Promise<void>;
}

const repoRoot = path.resolve(import.meta.dirname, '..', '..');

/** The pinned versions the real binaries were built at (scripts/tool-versions.env). */
export function pinnedToolVersions(root = repoRoot): Record<MirrorTool, string> {
  const env = readFileSync(path.join(root, 'scripts', 'tool-versions.env'), 'utf8');
  const value = (name: string): string => {
    const match = new RegExp(`^${name}=(\\S+)$`, 'm').exec(env);
    if (!match) throw new Error(`scripts/tool-versions.env has no ${name}`);
    return match[1]!;
  };
  return { tofu: value('TOFU_VERSION'), conftest: value('CONFTEST_VERSION') };
}

// Written out here rather than taken from src/tools/platform.ts, so a naming bug there cannot hide in the fixture.
function hostArchives(versions: Record<MirrorTool, string>): Record<MirrorTool, string> {
  const goOs = { linux: 'linux', darwin: 'darwin' }[process.platform as string];
  const goArch = { x64: 'amd64', arm64: 'arm64' }[process.arch as string];
  if (!goOs || !goArch) throw new Error(`release-mirror: no archives for ${process.platform}/${process.arch}`);
  const confOs = goOs === 'linux' ? 'Linux' : 'Darwin';
  const confArch = goArch === 'amd64' ? 'x86_64' : 'arm64';
  return {
    tofu: `tofu_${versions.tofu}_${goOs}_${goArch}.zip`,
    conftest: `conftest_${versions.conftest}_${confOs}_${confArch}.tar.gz`,
  };
}

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Builds (or reuses) the two archives from the real binaries; returns their bytes. */
async function buildArchives(names: Record<MirrorTool, string>): Promise<Record<MirrorTool, Buffer>> {
  const identity = [tools.tofu, tools.conftest].map((file) => {
    const stat = statSync(file);
    return `${file}:${stat.size}:${stat.mtimeMs}`;
  });
  const key = sha256(Buffer.from(JSON.stringify({ identity, names, recipe: 1 }))).slice(0, 16);
  const cacheDir = path.join(os.tmpdir(), 'flux-bootstrap-release-mirror', key);
  const read = async (): Promise<Record<MirrorTool, Buffer>> => ({
    tofu: await fs.readFile(path.join(cacheDir, names.tofu)),
    conftest: await fs.readFile(path.join(cacheDir, names.conftest)),
  });
  if (await fs.stat(path.join(cacheDir, 'done')).catch(() => undefined)) return read();

  // Built beside the cache and renamed into place, so parallel test files never read half an archive.
  const building = `${cacheDir}.${process.pid}.${randomUUID()}`;
  await fs.mkdir(building, { recursive: true });
  await fs.writeFile(path.join(building, 'LICENSE'), 'Test fixture: the real binary, packed like a release.\n');
  await Promise.all([
    run('zip', ['-q', '-X', '-j', path.join(building, names.tofu), tools.tofu, path.join(building, 'LICENSE')]),
    run('tar', [
      '-czf',
      path.join(building, names.conftest),
      '-C',
      path.dirname(tools.conftest),
      path.basename(tools.conftest),
      '-C',
      building,
      'LICENSE',
    ]),
  ]);
  await fs.writeFile(path.join(building, 'done'), '');
  await fs.rename(building, cacheDir).catch(async () => fs.rm(building, { recursive: true, force: true }));
  return read();
}

function checksumFile(lines: [string, string][]): Buffer {
  return Buffer.from(lines.map(([digest, name]) => `${digest}  ${name}\n`).join(''));
}

// openpgp's overloaded sign() defeats typescript-eslint's type resolution; this is the one shape used here.
type DetachedSign = (options: {
  message: openpgp.Message<Uint8Array>;
  signingKeys: openpgp.PrivateKey;
  detached: true;
  format: 'armored' | 'binary';
}) => Promise<string | Uint8Array>;
const sign = openpgp.sign as unknown as DetachedSign;

/** A detached signature over `data`, armored (as the mirror serves it) or binary (as OpenTofu publishes it). */
export async function signDetached(
  data: Uint8Array,
  privateKey: openpgp.PrivateKey,
  format: 'armored' | 'binary' = 'armored',
): Promise<Buffer> {
  const message = await openpgp.createMessage({ binary: data });
  const signature = await sign({ message, signingKeys: privateKey, detached: true, format });
  return Buffer.from(signature);
}

/** A fresh Curve25519 key pair: armored public key and the private key object. */
export async function generateSigningKey(name: string): Promise<{ publicKey: string; privateKey: openpgp.PrivateKey }> {
  const key = await openpgp.generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [{ name, email: 'release-mirror@example.test' }],
  });
  return { publicKey: key.publicKey, privateKey: await openpgp.readPrivateKey({ armoredKey: key.privateKey }) };
}

const flipByte = (data: Buffer, at: number): Buffer => {
  const copy = Buffer.from(data);
  copy.writeUInt8(copy.readUInt8(at) ^ 0xff, at);
  return copy;
};

/** The files the mirror can serve, with each fault's variant precomputed. */
async function buildRelease(versions: Record<MirrorTool, string>, archives: Record<MirrorTool, string>) {
  const bytes = await buildArchives(archives);
  const [signer, stranger] = await Promise.all([
    generateSigningKey('Release mirror test key'),
    generateSigningKey('Stranger'),
  ]);
  const digest = { tofu: sha256(bytes.tofu), conftest: sha256(bytes.conftest) };
  // A neighbouring platform's line, as real checksum files list every platform: the right line must be picked.
  const other = {
    tofu: archives.tofu.replace(/_(amd64|arm64)\.zip$/, '_riscv64.zip'),
    conftest: 'conftest_Other.tar.gz',
  };
  const sums = (tool: MirrorTool, mode: 'true' | 'tampered' | 'omitted'): Buffer => {
    const lines: [string, string][] = [[sha256(Buffer.from(other[tool])), other[tool]]];
    if (mode !== 'omitted')
      lines.push([mode === 'true' ? digest[tool] : sha256(Buffer.from('tampered')), archives[tool]]);
    return checksumFile(lines);
  };
  const tofuSums = sums('tofu', 'true');
  const omittedSums = sums('tofu', 'omitted');
  return {
    signer,
    digest,
    archive: { tofu: bytes.tofu, conftest: bytes.conftest },
    tamperedArchive: {
      tofu: flipByte(bytes.tofu, bytes.tofu.length >> 1),
      conftest: flipByte(bytes.conftest, bytes.conftest.length >> 1),
    },
    sums: { tofu: tofuSums, conftest: sums('conftest', 'true') },
    tamperedSums: { tofu: sums('tofu', 'tampered'), conftest: sums('conftest', 'tampered') },
    omittedSums: { tofu: omittedSums, conftest: sums('conftest', 'omitted') },
    signature: await signDetached(tofuSums, signer.privateKey),
    omittedSignature: await signDetached(omittedSums, signer.privateKey),
    badSignature: {
      'other-data': await signDetached(Buffer.from(`${versions.tofu} is not this file`), signer.privateKey),
      'other-key': await signDetached(tofuSums, stranger.privateKey),
      garbage: Buffer.from('-----BEGIN PGP SIGNATURE-----\n\nbm90IGEgc2lnbmF0dXJl\n-----END PGP SIGNATURE-----\n'),
    },
  };
}

/** Starts the mirror on 127.0.0.1 with a random port, serving the binaries as the versions they were built at. */
export async function startReleaseMirror(
  initialFaults: MirrorFaults = {},
  versions: Record<MirrorTool, string> = pinnedToolVersions(),
): Promise<ReleaseMirror> {
  const archives = hostArchives(versions);
  const release = await buildRelease(versions, archives);
  let faults: MirrorFaults = { ...initialFaults };
  const requests: string[] = [];
  const authorizedRequests: string[] = [];
  const tofuDir = `/opentofu/opentofu/releases/download/v${versions.tofu}`;
  const conftestDir = `/open-policy-agent/conftest/releases/download/v${versions.conftest}`;

  const routes = new Map<string, () => Buffer>([
    [
      `${tofuDir}/${archives.tofu}`,
      () => (faults.tamperArchive === 'tofu' ? release.tamperedArchive.tofu : release.archive.tofu),
    ],
    [
      `${conftestDir}/${archives.conftest}`,
      () => (faults.tamperArchive === 'conftest' ? release.tamperedArchive.conftest : release.archive.conftest),
    ],
    [`${tofuDir}/tofu_${versions.tofu}_SHA256SUMS`, () => checksumsFor('tofu')],
    [`${conftestDir}/checksums.txt`, () => checksumsFor('conftest')],
    [`${tofuDir}/tofu_${versions.tofu}_SHA256SUMS.gpgsig`, () => signatureFor()],
    ['/tofu/api.json', () => Buffer.from(JSON.stringify(tofuIndex(versions, archives)))],
    [
      '/repos/open-policy-agent/conftest/releases',
      () => Buffer.from(JSON.stringify(conftestReleases(versions, archives))),
    ],
  ]);

  function checksumsFor(tool: MirrorTool): Buffer {
    if (faults.tamperChecksums === tool) return release.tamperedSums[tool];
    if (faults.omitChecksumLine === tool) return release.omittedSums[tool];
    return release.sums[tool];
  }

  function signatureFor(): Buffer {
    if (faults.badSignature) return release.badSignature[faults.badSignature];
    return faults.omitChecksumLine === 'tofu' ? release.omittedSignature : release.signature;
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://mirror');
    requests.push(`${url.pathname}${url.search}`);
    if (req.headers.authorization) authorizedRequests.push(url.pathname);
    const route = req.method === 'GET' ? routes.get(url.pathname) : undefined;
    const name = url.pathname.split('/').pop() ?? '';
    if (faults.failRequests) {
      faults = { ...faults, failRequests: faults.failRequests - 1 };
      res.writeHead(503).end('mirror: failing on purpose');
    } else if (!route || faults.drop?.includes(name)) {
      res.writeHead(404).end('not found');
    } else {
      const body = route();
      const type = name.endsWith('.json') || name === 'releases' ? 'application/json' : 'application/octet-stream';
      res.writeHead(200, { 'content-type': type, 'content-length': body.length }).end(body);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    signingKeyArmored: release.signer.publicKey,
    requests,
    authorizedRequests,
    tofuVersion: versions.tofu,
    conftestVersion: versions.conftest,
    archives,
    archiveSha256: release.digest,
    setFaults: (next) => {
      faults = { ...next };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

// Indexes list the served version plus an older release (whose files are not served) and a newer pre-release, so
// `latest` and ranges have something to choose between.
function neighbours(version: string): { older: string; prerelease: string } {
  const [major, minor] = version.split('.').map(Number) as [number, number];
  return { older: `${major}.${Math.max(minor - 1, 0)}.0`, prerelease: `${major}.${minor + 1}.0` };
}

function tofuIndex(versions: Record<MirrorTool, string>, archives: Record<MirrorTool, string>) {
  const { older, prerelease } = neighbours(versions.tofu);
  return {
    versions: [
      { id: `${prerelease}-rc1`, files: [] },
      {
        id: versions.tofu,
        files: [archives.tofu, `tofu_${versions.tofu}_SHA256SUMS`, `tofu_${versions.tofu}_SHA256SUMS.gpgsig`],
      },
      { id: older, files: [] },
    ],
  };
}

function conftestReleases(versions: Record<MirrorTool, string>, archives: Record<MirrorTool, string>) {
  const { older, prerelease } = neighbours(versions.conftest);
  const release = (version: string, pre: boolean, assets: string[]) => ({
    tag_name: `v${version}`,
    name: `v${version}`,
    draft: false,
    prerelease: pre,
    assets: assets.map((name) => ({ name })),
  });
  return [
    release(`${prerelease}-rc.1`, true, []),
    release(versions.conftest, false, [archives.conftest, 'checksums.txt']),
    release(older, false, []),
  ];
}
