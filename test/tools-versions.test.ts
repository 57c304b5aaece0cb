import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ToolInstallError } from '../src/tools/errors.js';
import {
  findRequiredVersions,
  moduleFiles,
  parseVersionFile,
  requiredVersionSpec,
} from '../src/tools/required-version.js';
import { parseHclConstraint, parseVersionSpec } from '../src/tools/version-spec.js';
import {
  chooseTofuRequest,
  conftestRequest,
  PINNED_VERSIONS,
  readTofuVersionSources,
} from '../src/tools/version-request.js';
import { parseGitHubReleases, parseOpenTofuIndex, pickVersion, type VersionRequest } from '../src/tools/versions.js';

// Shaped like get.opentofu.org/tofu/api.json: ids without a leading v, pre-releases as x.y.z-suffix, newest first.
const TOFU_INDEX = JSON.stringify({
  versions: [
    { id: '1.13.0-beta1', files: ['tofu_1.13.0-beta1_linux_amd64.zip'] },
    { id: '1.12.6', files: ['tofu_1.12.6_linux_amd64.zip', 'tofu_1.12.6_SHA256SUMS'] },
    { id: '1.12.5', files: [] },
    { id: '1.11.9', files: [] },
    { id: '1.10.6', files: [] },
    { id: '1.6.0-rc1', files: [] },
    { id: 'not-a-version', files: [] },
    { files: [] },
  ],
});

// Shaped like GitHub's list-releases API.
const CONFTEST_PAGE = JSON.stringify([
  { tag_name: 'v0.72.0', draft: true, prerelease: false },
  { tag_name: 'v0.72.0-rc.1', draft: false, prerelease: true },
  { tag_name: 'v0.71.1', draft: false, prerelease: false },
  { tag_name: 'v0.71.0', draft: false, prerelease: false },
  { tag_name: 'v0.70.0', draft: false, prerelease: false },
  { tag_name: 'nightly', draft: false, prerelease: false },
]);

const TOFU_URL = 'https://get.opentofu.org/tofu/api.json';
const tofuVersions = parseOpenTofuIndex(TOFU_INDEX, TOFU_URL);

function request(input: string, tool: 'tofu' | 'conftest' = 'tofu'): VersionRequest {
  const spec = parseVersionSpec(input);
  if (!spec) throw new Error(`fixture ${input} does not parse`);
  return { tool, spec, origin: `input ${tool}-version` };
}

describe('version indexes', () => {
  it('reads every semver id from the OpenTofu index and skips the rest', () => {
    expect(tofuVersions).toEqual(['1.13.0-beta1', '1.12.6', '1.12.5', '1.11.9', '1.10.6', '1.6.0-rc1']);
  });

  it('refuses an OpenTofu index that is not JSON or has no versions list, naming the URL', () => {
    expect(() => parseOpenTofuIndex('<html>rate limited</html>', TOFU_URL)).toThrow(
      /version index at https:\/\/get.opentofu.org\/tofu\/api.json is not JSON/,
    );
    expect(() => parseOpenTofuIndex('{"releases":[]}', TOFU_URL)).toThrow(/has no "versions" list/);
  });

  it('reads GitHub releases, leaving out drafts, pre-releases and non-semver tags, and counts raw entries', () => {
    expect(parseGitHubReleases(CONFTEST_PAGE, 'u')).toEqual({ versions: ['0.71.1', '0.71.0', '0.70.0'], entries: 6 });
    expect(() => parseGitHubReleases('{"message":"Bad credentials"}', 'https://api/x')).toThrow(
      /releases list at https:\/\/api\/x is not a JSON array/,
    );
  });
});

describe('pickVersion', () => {
  it.each([
    ['latest', '1.12.6'],
    ['~> 1.12', '1.12.6'],
    ['~> 1.11.0', '1.11.9'],
    ['1.12.x', '1.12.6'],
    ['>= 1.8, < 1.12', '1.11.9'],
    ['< 1.12.6', '1.12.5'],
    ['~> 1.13.0-beta1', '1.13.0-beta1'],
  ])('tofu %s resolves to %s', (asked, expected) => {
    expect(pickVersion(request(asked), tofuVersions, TOFU_URL)).toBe(expected);
  });

  it('HCL ~> 1.10 allows 1.12 where npm ~1.10 would not', () => {
    expect(pickVersion(request('~> 1.10'), tofuVersions, TOFU_URL)).toBe('1.12.6');
  });

  it('takes an exact version as asked, without consulting the list', () => {
    expect(pickVersion(request('1.9.0'), [], TOFU_URL)).toBe('1.9.0');
  });

  it('says which version was asked for, from where, and what the index holds when nothing matches', () => {
    const asked = request('~> 2.0');
    expect(() => pickVersion(asked, tofuVersions, TOFU_URL)).toThrow(ToolInstallError);
    expect(() => pickVersion(asked, tofuVersions, TOFU_URL)).toThrow(
      'No OpenTofu release matches tofu "~> 2.0" (input tofu-version; read as the range >=2.0.0 <3.0.0-0): ' +
        'the index at https://get.opentofu.org/tofu/api.json lists 6 versions, the newest 1.13.0-beta1.',
    );
    expect(() => pickVersion(request('latest', 'conftest'), [], 'u')).toThrow(
      /No Conftest release matches conftest "latest" \(input conftest-version\): the index at u lists no versions/,
    );
  });
});

describe('HCL constraints (required_version)', () => {
  it.each([
    ['1.12.6', { kind: 'exact', version: '1.12.6' }],
    ['= 1.12.6', { kind: 'exact', version: '1.12.6' }],
    ['1.6', { kind: 'exact', version: '1.6.0' }],
    ['~> 1.8', { kind: 'range', range: '>=1.8.0 <2.0.0-0', asked: '~> 1.8' }],
    ['>= 1.6, < 2.0', { kind: 'range', range: '>=1.6.0 <2.0.0', asked: '>= 1.6, < 2.0' }],
    ['>=1.6', { kind: 'range', range: '>=1.6.0', asked: '>=1.6' }],
    ['>= 1.6, != 1.7.0', { kind: 'range', range: '>=1.6.0 <1.7.0||>=1.6.0 >1.7.0', asked: '>= 1.6, != 1.7.0' }],
  ])('%s → %o', (input, expected) => {
    expect(parseHclConstraint(input)).toEqual(expected);
  });

  it.each(['1.x', '~> banana', '>= 1.6,', '!= ~> 1.2', ''])('refuses %j', (input) => {
    expect(parseHclConstraint(input)).toBeNull();
  });

  it('excludes the version a != names', () => {
    const spec = parseHclConstraint('~> 1.12.0, != 1.12.6');
    expect(pickVersion({ tool: 'tofu', spec: spec!, origin: 'test' }, tofuVersions, TOFU_URL)).toBe('1.12.5');
  });
});

const tf = (name: string, text: string) => ({ name, text });

describe('required_version in the root module', () => {
  it('reads it from a top-level terraform block, ignoring comments, nested blocks and other blocks', () => {
    const files = [
      tf(
        'versions.tf',
        [
          '# required_version = "9.9.9" in a comment does not count',
          'terraform {',
          '  // required_version = "8.8.8"',
          '  /* required_version = "7.7.7" */',
          '  required_providers {',
          '    helm = { source = "hashicorp/helm", version = "~> 3.0" }',
          '    nested = { required_version = "6.6.6" }',
          '  }',
          '  required_version = ">= 1.8, < 2.0" # trailing comment with a } brace',
          '}',
          'locals { required_version = "5.5.5" }',
        ].join('\n'),
      ),
      tf('main.tf', 'resource "terraform_data" "x" {\n  input = "terraform { required_version = \\"4.4.4\\" }"\n}\n'),
    ];
    expect(findRequiredVersions(files)).toEqual([{ file: 'versions.tf', constraint: '>= 1.8, < 2.0' }]);
    expect(requiredVersionSpec(files)).toEqual({
      spec: { kind: 'range', range: '>=1.8.0 <2.0.0', asked: '>= 1.8, < 2.0' },
      files: ['versions.tf'],
    });
  });

  it('combines constraints from several blocks and files, as OpenTofu requires all of them', () => {
    const files = [
      tf('a.tf', 'terraform {\n  required_version = ">= 1.10"\n}\n'),
      tf('b.tofu', 'terraform {\n  required_version = "~> 1.11"\n}\n'),
    ];
    const found = requiredVersionSpec(files);
    expect(found?.files).toEqual(['a.tf', 'b.tofu']);
    expect(
      pickVersion({ tool: 'tofu', spec: found!.spec, origin: 'x' }, ['1.9.0', '1.10.2', '1.12.6', '2.0.0'], 'u'),
    ).toBe('1.12.6');
  });

  it('is undefined without any required_version, and an error naming file and value when unreadable', () => {
    expect(requiredVersionSpec([tf('main.tf', 'terraform {\n  backend "s3" {}\n}\n')])).toBeUndefined();
    expect(() => requiredVersionSpec([tf('versions.tf', 'terraform {\n  required_version = "soon"\n}\n')])).toThrow(
      /required_version in the root configuration cannot be read \(versions.tf: "soon"\).*Set the tofu-version input/,
    );
  });

  it('reads *.tf and *.tofu, where x.tofu replaces x.tf, and leaves out override files', () => {
    expect(
      moduleFiles(['main.tf', 'main.tofu', 'versions.tf', 'override.tf', 'x_override.tofu', 'README.md', 'a.tf.json']),
    ).toEqual(['main.tofu', 'versions.tf']);
  });
});

describe('.opentofu-version', () => {
  it('takes the first line that is not blank or a comment', () => {
    expect(parseVersionFile('\n# pinned by platform team\n1.12.6\n', 'f')).toEqual({
      kind: 'exact',
      version: '1.12.6',
    });
    expect(parseVersionFile('~> 1.11\r\n', 'f')).toMatchObject({ kind: 'range', range: '>=1.11.0 <2.0.0-0' });
    expect(parseVersionFile('\n\n', 'f')).toBeUndefined();
  });

  it('refuses a value it cannot read, naming the file and the value', () => {
    expect(() => parseVersionFile('latest-allowed\n', '.opentofu-version in /w')).toThrow(
      '.opentofu-version in /w holds "latest-allowed", which is not accepted: expected an exact version (1.12.6), a range (~> 1.12, 1.12.x, >= 1.8, < 2.0) or latest.',
    );
  });
});

describe('which tofu version is asked for', () => {
  const versionsTf = tf('versions.tf', 'terraform {\n  required_version = "~> 1.11"\n}\n');

  it('prefers the input, then .opentofu-version, then required_version, then the pinned default', () => {
    const input = parseVersionSpec('1.10.6')!;
    expect(chooseTofuRequest({ input, directory: '/w', versionFile: '1.9.0', moduleFiles: [versionsTf] })).toEqual({
      tool: 'tofu',
      spec: input,
      origin: 'input tofu-version',
    });
    expect(chooseTofuRequest({ directory: '/w', versionFile: '1.9.0', moduleFiles: [versionsTf] })).toEqual({
      tool: 'tofu',
      spec: { kind: 'exact', version: '1.9.0' },
      origin: '.opentofu-version in /w',
    });
    expect(chooseTofuRequest({ directory: '/w', versionFile: '# empty\n', moduleFiles: [versionsTf] })).toEqual({
      tool: 'tofu',
      spec: { kind: 'exact', version: PINNED_VERSIONS.tofu },
      origin: 'pinned default, which required_version in versions.tf admits',
    });
    expect(chooseTofuRequest({ directory: '/w', moduleFiles: [tf('main.tf', '')] })).toEqual({
      tool: 'tofu',
      spec: { kind: 'exact', version: PINNED_VERSIONS.tofu },
      origin: 'pinned default',
    });
  });

  it('takes the pinned, tested version when required_version admits it, else the newest release it admits', () => {
    const narrow = tf('versions.tf', 'terraform {\n  required_version = "~> 1.11.0"\n}\n');
    expect(chooseTofuRequest({ directory: '/w', moduleFiles: [narrow] })).toEqual({
      tool: 'tofu',
      spec: { kind: 'range', range: '>=1.11.0 <1.12.0-0', asked: '~> 1.11.0' },
      origin: 'required_version in versions.tf',
    });
    const exact = tf('versions.tf', `terraform {\n  required_version = "${PINNED_VERSIONS.tofu}"\n}\n`);
    expect(chooseTofuRequest({ directory: '/w', moduleFiles: [exact] }).spec).toEqual({
      kind: 'exact',
      version: PINNED_VERSIONS.tofu,
    });
    // "latest" or a range stays the user's to ask for, through the input or .opentofu-version.
    expect(chooseTofuRequest({ directory: '/w', versionFile: '~> 1.12', moduleFiles: [versionsTf] }).spec.kind).toBe(
      'range',
    );
  });

  it("runs the shipped root with the pinned version, not the newest one its '>= 1.9.0' admits", async () => {
    const shippedRoot = path.resolve(import.meta.dirname, '..', 'modules', 'root');
    const request = chooseTofuRequest(await readTofuVersionSources(undefined, shippedRoot));
    expect(request.spec).toEqual({ kind: 'exact', version: PINNED_VERSIONS.tofu });
    expect(request.origin).toMatch(/^pinned default, which required_version in .*versions\.tf admits$/);
  });

  it('pins conftest unless the input names a version', () => {
    expect(conftestRequest()).toEqual({
      tool: 'conftest',
      spec: { kind: 'exact', version: '0.71.1' },
      origin: 'pinned default',
    });
    expect(conftestRequest({ kind: 'latest' })).toEqual({
      tool: 'conftest',
      spec: { kind: 'latest' },
      origin: 'input conftest-version',
    });
  });

  it('pins the same versions the test toolchain builds (scripts/tool-versions.env)', () => {
    const env = readFileSync(path.resolve(import.meta.dirname, '..', 'scripts', 'tool-versions.env'), 'utf8');
    const pinned: Record<string, string> = Object.fromEntries(
      [...env.matchAll(/^([A-Z_]+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]),
    );
    expect(pinned.TOFU_VERSION).toBeDefined();
    expect(PINNED_VERSIONS).toEqual({ tofu: pinned.TOFU_VERSION, conftest: pinned.CONFTEST_VERSION });
  });
});
