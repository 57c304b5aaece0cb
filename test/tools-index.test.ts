// Conftest's version index without a mirror is GitHub's paginated releases API: read here from a stand-in of that
// API on 127.0.0.1 (the only upstream the tests replace), checking pages, headers and the token.
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ToolInstallError } from '../src/tools/errors.js';
import { resolveVersion, type IndexContext } from '../src/tools/version-index.js';
import { parseVersionSpec } from '../src/tools/version-spec.js';
import type { VersionRequest } from '../src/tools/versions.js';

interface Seen {
  url: string;
  authorization?: string;
  accept?: string;
}

let server: http.Server;
let apiUrl: string;
let seen: Seen[];
let pages: unknown[][];
let tempDir: string;

// 100 old releases on page 1 (a full page, so page 2 must be read), the newest on page 2.
const release = (version: string, extra: Record<string, unknown> = {}) => ({
  tag_name: `v${version}`,
  draft: false,
  prerelease: false,
  ...extra,
});
const fullPage = Array.from({ length: 100 }, (_, i) => release(`0.0.${i}`));

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization, accept: req.headers.accept });
    const url = new URL(req.url ?? '/', 'http://api');
    const page = Number(url.searchParams.get('page'));
    if (url.pathname !== '/repos/open-policy-agent/conftest/releases' || url.searchParams.get('per_page') !== '100') {
      res.writeHead(404).end('{"message":"Not Found"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(pages[page - 1] ?? []));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(async () => {
  seen = [];
  tempDir = await fs.mkdtemp(path.join(os.tmpdir(), 'flux-index-'));
});

afterEach(() => fs.rm(tempDir, { recursive: true, force: true }));

const conftest = (asked: string): VersionRequest => ({
  tool: 'conftest',
  spec: parseVersionSpec(asked)!,
  origin: 'input conftest-version',
});
const context = (extra: Partial<IndexContext> = {}): IndexContext => ({ githubApiUrl: apiUrl, tempDir, ...extra });

describe("conftest's releases from the GitHub API", () => {
  it('reads every page until a short one, sending the token and the API media type', async () => {
    pages = [fullPage, [release('0.72.0', { prerelease: true }), release('0.71.1'), release('0.70.2')]];
    await expect(resolveVersion(conftest('latest'), context({ githubToken: 'ghs_token' }))).resolves.toBe('0.71.1');
    expect(seen.map((s) => s.url)).toEqual([
      '/repos/open-policy-agent/conftest/releases?per_page=100&page=1',
      '/repos/open-policy-agent/conftest/releases?per_page=100&page=2',
    ]);
    expect(seen.map((s) => s.authorization)).toEqual(['Bearer ghs_token', 'Bearer ghs_token']);
    expect(seen[0]!.accept).toBe('application/vnd.github+json');
  });

  it('finds a range match on the first page and reads no token when none is given', async () => {
    pages = [fullPage.slice(0, 42)];
    await expect(resolveVersion(conftest('< 0.0.30'), context())).resolves.toBe('0.0.29');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.authorization).toBeUndefined();
  });

  it('gives up after ten full pages rather than looping on a misbehaving API', async () => {
    pages = Array.from({ length: 12 }, () => fullPage);
    await expect(resolveVersion(conftest('latest'), context())).rejects.toThrow(
      `The releases list at ${apiUrl}/repos/open-policy-agent/conftest/releases?per_page=100&page=1 has more than 10 pages`,
    );
    expect(seen).toHaveLength(10);
  });

  it('says which request could not be resolved when the API refuses', async () => {
    const error = await resolveVersion(conftest('latest'), context({ githubApiUrl: `${apiUrl}/nowhere` })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ToolInstallError);
    expect((error as Error).message).toBe(
      `Could not download the conftest version index (to resolve conftest "latest" (input conftest-version)) from ` +
        `${apiUrl}/nowhere/repos/open-policy-agent/conftest/releases?per_page=100&page=1: HTTP 404 (not found).`,
    );
  });

  it('does not read any index for an exact version', async () => {
    await expect(resolveVersion(conftest('0.60.0'), context())).resolves.toBe('0.60.0');
    expect(seen).toEqual([]);
  });
});
