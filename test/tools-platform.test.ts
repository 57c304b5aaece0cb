import { describe, expect, it } from 'vitest';
import { ToolInstallError } from '../src/tools/errors.js';
import {
  archiveName,
  binaryName,
  checksumFileName,
  releasePlatform,
  signatureFileName,
  type Platform,
} from '../src/tools/platform.js';
import { indexIsPaginated, releaseDownloadBase, versionIndexPage } from '../src/tools/release-source.js';

// Every platform and arch the action supports, with the names the projects publish (field notes §3).
const MATRIX: [NodeJS.Platform, string, Platform, string, string][] = [
  [
    'linux',
    'x64',
    { os: 'linux', arch: 'amd64' },
    'tofu_1.12.6_linux_amd64.zip',
    'conftest_0.71.1_Linux_x86_64.tar.gz',
  ],
  [
    'linux',
    'arm64',
    { os: 'linux', arch: 'arm64' },
    'tofu_1.12.6_linux_arm64.zip',
    'conftest_0.71.1_Linux_arm64.tar.gz',
  ],
  [
    'darwin',
    'x64',
    { os: 'darwin', arch: 'amd64' },
    'tofu_1.12.6_darwin_amd64.zip',
    'conftest_0.71.1_Darwin_x86_64.tar.gz',
  ],
  [
    'darwin',
    'arm64',
    { os: 'darwin', arch: 'arm64' },
    'tofu_1.12.6_darwin_arm64.zip',
    'conftest_0.71.1_Darwin_arm64.tar.gz',
  ],
  [
    'win32',
    'x64',
    { os: 'windows', arch: 'amd64' },
    'tofu_1.12.6_windows_amd64.zip',
    'conftest_0.71.1_Windows_x86_64.zip',
  ],
  [
    'win32',
    'arm64',
    { os: 'windows', arch: 'arm64' },
    'tofu_1.12.6_windows_arm64.zip',
    'conftest_0.71.1_Windows_arm64.zip',
  ],
];

describe('release platform and asset names', () => {
  it.each(MATRIX)('%s/%s → %o: %s and %s', (nodePlatform, nodeArch, platform, tofuAsset, conftestAsset) => {
    expect(releasePlatform(nodePlatform, nodeArch)).toEqual(platform);
    expect(archiveName('tofu', '1.12.6', platform)).toBe(tofuAsset);
    expect(archiveName('conftest', '0.71.1', platform)).toBe(conftestAsset);
    const exe = platform.os === 'windows' ? '.exe' : '';
    expect(binaryName('tofu', platform)).toBe(`tofu${exe}`);
    expect(binaryName('conftest', platform)).toBe(`conftest${exe}`);
  });

  it.each([
    ['linux', 'ia32'],
    ['freebsd', 'x64'],
    ['linux', 'arm'],
    ['aix', 'ppc64'],
  ] as [NodeJS.Platform, string][])('refuses %s/%s, naming it and what is supported', (nodePlatform, nodeArch) => {
    expect(() => releasePlatform(nodePlatform, nodeArch)).toThrow(ToolInstallError);
    expect(() => releasePlatform(nodePlatform, nodeArch)).toThrow(
      new RegExp(
        `${nodePlatform}/${nodeArch} is not supported: .*linux, darwin and windows on x64 \\(amd64\\) or arm64`,
      ),
    );
  });

  it('names the checksum and signature files as each project does', () => {
    expect(checksumFileName('tofu', '1.12.6')).toBe('tofu_1.12.6_SHA256SUMS');
    expect(checksumFileName('conftest', '0.71.1')).toBe('checksums.txt');
    expect(signatureFileName('1.12.6')).toBe('tofu_1.12.6_SHA256SUMS.gpgsig');
  });
});

describe('release locations', () => {
  it('downloads from github.com release pages without a mirror', () => {
    expect(releaseDownloadBase('tofu', '1.12.6')).toBe(
      'https://github.com/opentofu/opentofu/releases/download/v1.12.6',
    );
    expect(releaseDownloadBase('conftest', '0.71.1')).toBe(
      'https://github.com/open-policy-agent/conftest/releases/download/v0.71.1',
    );
  });

  it('keeps the same relative layout under a mirror, with or without a trailing slash', () => {
    for (const mirror of ['https://mirror.example.com/gh', 'https://mirror.example.com/gh/']) {
      expect(releaseDownloadBase('tofu', '1.12.6', mirror)).toBe(
        'https://mirror.example.com/gh/opentofu/opentofu/releases/download/v1.12.6',
      );
      expect(releaseDownloadBase('conftest', '0.71.1', mirror)).toBe(
        'https://mirror.example.com/gh/open-policy-agent/conftest/releases/download/v0.71.1',
      );
      expect(versionIndexPage('tofu', 1, mirror)).toBe('https://mirror.example.com/gh/tofu/api.json');
      expect(versionIndexPage('conftest', 1, mirror)).toBe(
        'https://mirror.example.com/gh/repos/open-policy-agent/conftest/releases',
      );
    }
  });

  it('reads OpenTofu index from get.opentofu.org and conftest releases from the GitHub API, paginated', () => {
    expect(versionIndexPage('tofu', 1)).toBe('https://get.opentofu.org/tofu/api.json');
    expect(versionIndexPage('conftest', 2)).toBe(
      'https://api.github.com/repos/open-policy-agent/conftest/releases?per_page=100&page=2',
    );
    expect(versionIndexPage('conftest', 1, undefined, 'https://ghe.example.com/api/v3/')).toBe(
      'https://ghe.example.com/api/v3/repos/open-policy-agent/conftest/releases?per_page=100&page=1',
    );
    expect(indexIsPaginated('conftest')).toBe(true);
    expect(indexIsPaginated('conftest', 'https://mirror.example.com')).toBe(false);
    expect(indexIsPaginated('tofu')).toBe(false);
  });
});
