// The tools stage's edge against a real HTTP mirror on 127.0.0.1 serving the real tofu and conftest: installs,
// cache hits, version resolution through the indexes, and every way a download must be refused.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { installTools, ToolInstallError, type ToolRequest } from '../src/tools/install.js';
import { SIGNING_KEY_ENV } from '../src/tools/signature.js';
import { parseVersionSpec, type VersionSpec } from '../src/tools/version-spec.js';
import { startReleaseMirror, type ReleaseMirror } from './support/release-mirror.js';
import { tools } from './support/tools.js';

const run = promisify(execFile);
const sha256File = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

let mirror: ReleaseMirror;
let home: string;
let workdir: string;
let stdout: string[];

beforeAll(async () => {
  mirror = await startReleaseMirror();
  // tool-cache's own hook for its retry back-off (10–20 s by default): the 503 test needs no real waiting.
  Object.assign(globalThis, { TEST_DOWNLOAD_TOOL_RETRY_MIN_SECONDS: 0, TEST_DOWNLOAD_TOOL_RETRY_MAX_SECONDS: 0 });
});

afterAll(async () => {
  await mirror.close();
});

beforeEach(async () => {
  home = await fs.mkdtemp(path.join(os.tmpdir(), 'flux-tools-'));
  workdir = path.join(home, 'workspace');
  await fs.mkdir(workdir);
  vi.stubEnv('RUNNER_TOOL_CACHE', path.join(home, 'tool-cache'));
  vi.stubEnv('RUNNER_TEMP', path.join(home, 'temp'));
  vi.stubEnv(SIGNING_KEY_ENV, mirror.signingKeyArmored);
  vi.stubEnv('GITHUB_API_URL', 'http://127.0.0.1:9');
  mirror.setFaults({});
  mirror.requests.length = 0;
  mirror.authorizedRequests.length = 0;
  stdout = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
});

afterEach(async () => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  await fs.rm(home, { recursive: true, force: true });
});

const spec = (text: string): VersionSpec => parseVersionSpec(text)!;
const install = (extra: Partial<ToolRequest> = {}) =>
  installTools({ workingDirectory: workdir, mirrorUrl: mirror.url, ...extra });
const archiveRequests = () => mirror.requests.filter((r) => /\.(zip|tar\.gz)$/.test(r));
const indexRequests = () => mirror.requests.filter((r) => r.endsWith('/api.json') || r.includes('/repos/'));
const minorRange = (version: string) => `~> ${version.split('.').slice(0, 2).join('.')}.0`;

async function refusal(extra: Partial<ToolRequest> = {}): Promise<string> {
  const error = await install(extra).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ToolInstallError);
  return (error as Error).message;
}

describe('installing from the mirror', () => {
  it('installs the pinned versions, verified, and the binaries run', async () => {
    const { tofu, conftest } = await install();

    expect(tofu).toMatchObject({ name: 'tofu', version: mirror.tofuVersion, fromCache: false });
    expect(conftest).toMatchObject({ name: 'conftest', version: mirror.conftestVersion, fromCache: false });
    expect(tofu.archiveSha256).toBe(mirror.archiveSha256.tofu);
    expect(conftest.archiveSha256).toBe(mirror.archiveSha256.conftest);
    expect(tofu.binary).toBe(
      path.join(home, 'tool-cache', 'flux-bootstrap-tofu', mirror.tofuVersion, os.arch(), 'tofu'),
    );
    expect(sha256File(tofu.binary)).toBe(sha256File(tools.tofu));
    expect(sha256File(conftest.binary)).toBe(sha256File(tools.conftest));

    const tofuOut = await run(tofu.binary, ['version']);
    expect(tofuOut.stdout).toContain(`OpenTofu v${mirror.tofuVersion}`);
    const conftestOut = await run(conftest.binary, ['--version']);
    expect(conftestOut.stdout).toContain(`Conftest: ${mirror.conftestVersion}`);

    // Exact versions build the URLs directly: no index is read.
    expect(indexRequests()).toEqual([]);
    expect(archiveRequests()).toHaveLength(2);
    const record = JSON.parse(await fs.readFile(`${path.dirname(tofu.binary)}.flux-bootstrap.json`, 'utf8')) as Record<
      string,
      string
    >;
    expect(record).toMatchObject({ tool: 'tofu', binarySha256: sha256File(tools.tofu), archive: mirror.archives.tofu });
    expect(stdout.join('')).toMatch(
      new RegExp(`::warning::${SIGNING_KEY_ENV} is set: tofu_${mirror.tofuVersion}_SHA256SUMS`),
    );
    // Scratch files are gone; only the cache remains.
    expect(await fs.readdir(path.join(home, 'temp'))).toEqual([]);
  });

  it('reuses the cache on the second call after re-hashing, without downloading anything', async () => {
    const first = await install();
    mirror.requests.length = 0;
    const second = await install();

    expect(second.tofu).toEqual({ ...first.tofu, fromCache: true });
    expect(second.conftest).toEqual({ ...first.conftest, fromCache: true });
    expect(mirror.requests).toEqual([]);
    expect(stdout.join('')).toContain(`tofu ${mirror.tofuVersion} (pinned default): tool cache hit`);
  });

  it('refuses a cached binary that changed after it was verified, and leaves it alone', async () => {
    const { tofu } = await install();
    await fs.appendFile(tofu.binary, 'tampered');
    const changed = sha256File(tofu.binary);
    mirror.requests.length = 0;

    const message = await refusal();
    expect(message).toContain(
      `The cached tofu ${mirror.tofuVersion} binary ${tofu.binary} changed after it was verified`,
    );
    expect(message).toContain(`expected ${sha256File(tools.tofu)}`);
    expect(message).toContain(`got ${changed}. Refusing to run it.`);
    expect(archiveRequests()).toEqual([]);
    expect(sha256File(tofu.binary)).toBe(changed);
  });

  it('reinstalls from a verified download when the install record is missing (a crashed install)', async () => {
    const { tofu } = await install();
    await fs.rm(`${path.dirname(tofu.binary)}.flux-bootstrap.json`);
    const again = await install();
    expect(again.tofu.fromCache).toBe(false);
    expect(again.conftest.fromCache).toBe(true);
    expect(sha256File(again.tofu.binary)).toBe(sha256File(tools.tofu));
  });

  it('retries a mirror that answers 503', async () => {
    mirror.setFaults({ failRequests: 2 });
    const { tofu } = await install();
    expect(tofu.archiveSha256).toBe(mirror.archiveSha256.tofu);
    expect(stdout.join('')).toContain('Unexpected HTTP response: 503');
  });
});

describe('choosing versions', () => {
  it('resolves ranges and latest through the mirror indexes', async () => {
    const { tofu, conftest } = await install({
      tofuVersion: spec(minorRange(mirror.tofuVersion)),
      conftestVersion: spec('latest'),
    });
    expect(tofu.version).toBe(mirror.tofuVersion);
    expect(conftest.version).toBe(mirror.conftestVersion);
    // The two tools resolve concurrently: either index may be asked first.
    expect(indexRequests().sort()).toEqual(['/repos/open-policy-agent/conftest/releases', '/tofu/api.json']);
  });

  it('never sends the GitHub token to a mirror', async () => {
    await install({ conftestVersion: spec('latest'), githubToken: 'ghs_never-to-a-mirror' });
    expect(indexRequests()).toContain('/repos/open-policy-agent/conftest/releases');
    expect(mirror.authorizedRequests).toEqual([]);
  });

  it("takes the pinned version the configuration's required_version admits, and .opentofu-version before it", async () => {
    await fs.writeFile(
      path.join(workdir, 'versions.tf'),
      `terraform {\n  required_version = "${minorRange(mirror.tofuVersion)}"\n}\n`,
    );
    expect((await install()).tofu.version).toBe(mirror.tofuVersion);
    // The pinned version is exact: no index is asked for the newest release in the range.
    expect(indexRequests()).toEqual([]);
    expect(stdout.join('')).toContain(
      `tofu ${mirror.tofuVersion} (pinned default, which required_version in versions.tf admits)`,
    );

    mirror.requests.length = 0;
    await fs.writeFile(path.join(workdir, '.opentofu-version'), `${mirror.tofuVersion}\n`);
    expect((await install()).tofu.fromCache).toBe(true);
    expect(indexRequests()).toEqual([]);
  });

  it('names the version asked for when no release matches', async () => {
    const message = await refusal({ tofuVersion: spec('~> 9.0') });
    expect(message).toMatch(
      new RegExp(
        `^No OpenTofu release matches tofu "~> 9.0" \\(input tofu-version; read as the range >=9.0.0 <10.0.0-0\\): the index at ${mirror.url}/tofu/api.json lists 3 versions`,
      ),
    );
  });

  it('says which file is missing when a listed version has no files', async () => {
    const [major, minor] = mirror.tofuVersion.split('.').map(Number) as [number, number];
    const older = `${major}.${minor - 1}.0`;
    const message = await refusal({ tofuVersion: spec(`~> ${older}`) });
    expect(message).toBe(
      `Could not download tofu ${older}'s checksum file tofu_${older}_SHA256SUMS from ` +
        `${mirror.url}/opentofu/opentofu/releases/download/v${older}/tofu_${older}_SHA256SUMS: HTTP 404 (not found).`,
    );
  });

  it('refuses an index that is not what it should be', async () => {
    mirror.setFaults({ drop: ['api.json'] });
    expect(await refusal({ tofuVersion: spec('latest') })).toMatch(
      /^Could not download the tofu version index \(to resolve tofu "latest" \(input tofu-version\)\) from .*\/tofu\/api.json: HTTP 404/,
    );
  });
});

describe('refusing bad downloads (fail closed)', () => {
  const tofuSums = () => `tofu_${mirror.tofuVersion}_SHA256SUMS`;
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  /** Installs, expects a refusal, and checks nothing of the refused tool reached the tool cache. */
  async function refused(tool: 'tofu' | 'conftest'): Promise<string> {
    const message = await refusal();
    const cached = await fs.stat(path.join(home, 'tool-cache', `flux-bootstrap-${tool}`)).catch(() => undefined);
    expect(cached).toBeUndefined();
    return message;
  }

  it('a tampered tofu archive', async () => {
    mirror.setFaults({ tamperArchive: 'tofu' });
    const message = await refused('tofu');
    expect(message).toMatch(
      new RegExp(
        `^SHA-256 mismatch for ${escape(mirror.archives.tofu)}: expected ${mirror.archiveSha256.tofu} ` +
          `\\(from ${escape(tofuSums())}, signed by [0-9A-F]{40}\\), got [0-9a-f]{64}\\.$`,
      ),
    );
    expect(message).not.toContain(`got ${mirror.archiveSha256.tofu}`);
  });

  it('a tampered conftest archive', async () => {
    mirror.setFaults({ tamperArchive: 'conftest' });
    expect(await refused('conftest')).toMatch(
      new RegExp(
        `^SHA-256 mismatch for ${escape(mirror.archives.conftest)}: expected ${mirror.archiveSha256.conftest} ` +
          `\\(from checksums\\.txt\\), got [0-9a-f]{64}\\.$`,
      ),
    );
  });

  it('a tampered tofu checksum file: its signature no longer verifies', async () => {
    mirror.setFaults({ tamperChecksums: 'tofu' });
    expect(await refused('tofu')).toMatch(
      new RegExp(
        `^Signature check failed: ${escape(tofuSums())}\\.gpgsig does not verify ${escape(tofuSums())} ` +
          `with the key in ${SIGNING_KEY_ENV}: `,
      ),
    );
  });

  it('a tampered conftest checksum file', async () => {
    mirror.setFaults({ tamperChecksums: 'conftest' });
    expect(await refused('conftest')).toMatch(
      new RegExp(
        `^SHA-256 mismatch for ${escape(mirror.archives.conftest)}: expected [0-9a-f]{64} \\(from checksums\\.txt\\), ` +
          `got ${mirror.archiveSha256.conftest}\\.$`,
      ),
    );
  });

  it.each(['tofu', 'conftest'] as const)("a %s checksum file without the archive's line", async (tool) => {
    mirror.setFaults({ omitChecksumLine: tool });
    const file = tool === 'tofu' ? tofuSums() : 'checksums.txt';
    expect(await refused(tool)).toBe(`${file} has no checksum line for ${mirror.archives[tool]}.`);
  });

  it.each(['other-data', 'other-key', 'garbage'] as const)('a bad signature (%s)', async (badSignature) => {
    mirror.setFaults({ badSignature });
    expect(await refused('tofu')).toMatch(
      new RegExp(`^Signature check failed: ${escape(tofuSums())}\\.gpgsig does not verify ${escape(tofuSums())}`),
    );
  });

  it('refuses a replaced signing key unless the mirror is on 127.0.0.1, before downloading anything', async () => {
    const elsewhere = mirror.url.replace('127.0.0.1', 'localhost');
    const message = await refusal({ mirrorUrl: elsewhere });
    expect(message).toContain(`${SIGNING_KEY_ENV} is set, but a replacement for OpenTofu's signing key is honoured`);
    expect(message).toContain(`this run downloads from ${elsewhere}`);
    expect(message).not.toContain('BEGIN PGP');
    expect(mirror.requests).toEqual([]);
    // Not even a cached binary is handed out while the variable is set on such a run.
    await install();
    expect(await refusal({ mirrorUrl: elsewhere })).toContain(`${SIGNING_KEY_ENV} is set`);
  });

  it('never reuses a binary verified with a test key once that key is no longer in force', async () => {
    const first = await install();
    expect(first.tofu.fromCache).toBe(false);
    vi.stubEnv(SIGNING_KEY_ENV, '');
    mirror.requests.length = 0;
    // The cached tofu was signed by the test key: it is downloaded again and checked against OpenTofu's own key.
    expect(await refusal()).toMatch(/^Signature check failed: .* with OpenTofu's signing key E3E6E43D84CB/);
    expect(mirror.requests.some((r) => r.endsWith(`tofu_${mirror.tofuVersion}_SHA256SUMS.gpgsig`))).toBe(true);
  });

  it("the mirror's signature checked against OpenTofu's own key, when no test key is configured", async () => {
    vi.stubEnv(SIGNING_KEY_ENV, '');
    expect(await refused('tofu')).toMatch(
      /^Signature check failed: .* with OpenTofu's signing key E3E6E43D84CB852EADB0051D0C0AF313E5FD9F80: /,
    );
  });

  const missing: [string, 'tofu' | 'conftest', () => { file: string; what: string }][] = [
    ['signature', 'tofu', () => ({ file: `${tofuSums()}.gpgsig`, what: `tofu ${mirror.tofuVersion}'s signature` })],
    ['tofu checksum file', 'tofu', () => ({ file: tofuSums(), what: `tofu ${mirror.tofuVersion}'s checksum file` })],
    ['tofu archive', 'tofu', () => ({ file: mirror.archives.tofu, what: `tofu ${mirror.tofuVersion}'s archive` })],
    [
      'conftest checksum file',
      'conftest',
      () => ({ file: 'checksums.txt', what: `conftest ${mirror.conftestVersion}'s checksum file` }),
    ],
    [
      'conftest archive',
      'conftest',
      () => ({ file: mirror.archives.conftest, what: `conftest ${mirror.conftestVersion}'s archive` }),
    ],
  ];

  it.each(missing)('a missing %s', async (_label, tool, expected) => {
    const { file, what } = expected();
    mirror.setFaults({ drop: [file] });
    expect(await refused(tool)).toMatch(
      new RegExp(
        `^Could not download ${escape(what)} ${escape(file)} from ${escape(mirror.url)}/.*/${escape(file)}: HTTP 404 \\(not found\\)\\.$`,
      ),
    );
  });

  it('both failures at once, one message per tool', async () => {
    mirror.setFaults({ tamperArchive: 'tofu', drop: ['checksums.txt'] });
    const lines = (await refusal()).split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^SHA-256 mismatch for tofu_/);
    expect(lines[1]).toMatch(/^Could not download conftest .*checksums\.txt: HTTP 404/);
  });
});
